#ifndef COMMCAST_COPUSFILE_SHIM_H
#define COMMCAST_COPUSFILE_SHIM_H
#include <opus/opusfile.h>
#endif
