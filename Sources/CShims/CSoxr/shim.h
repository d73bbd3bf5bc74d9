#ifndef COMMCAST_CSOXR_SHIM_H
#define COMMCAST_CSOXR_SHIM_H
#include <soxr.h>
#endif
