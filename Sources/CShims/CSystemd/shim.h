#ifndef COMMCAST_CSYSTEMD_SHIM_H
#define COMMCAST_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#endif
