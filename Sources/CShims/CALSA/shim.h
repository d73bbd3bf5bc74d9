#ifndef COMMCAST_CALSA_SHIM_H
#define COMMCAST_CALSA_SHIM_H
#include <alsa/asoundlib.h>
#endif
