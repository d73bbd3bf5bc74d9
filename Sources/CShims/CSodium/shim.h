#ifndef COMMCAST_CSODIUM_SHIM_H
#define COMMCAST_CSODIUM_SHIM_H
#include <sodium.h>
#endif
