#ifndef COMMCAST_COGG_SHIM_H
#define COMMCAST_COGG_SHIM_H
#include <ogg/ogg.h>
#endif
