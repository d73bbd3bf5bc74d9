#ifndef COMMCAST_CEBUR128_SHIM_H
#define COMMCAST_CEBUR128_SHIM_H
#include <ebur128.h>
#endif
