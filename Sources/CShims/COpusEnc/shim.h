#ifndef COMMCAST_COPUSENC_SHIM_H
#define COMMCAST_COPUSENC_SHIM_H
#include <opus/opusenc.h>

/* ope_encoder_ctl is variadic, which Swift cannot call; these typed wrappers can. */
static inline int commcast_ope_set_bitrate(OggOpusEnc *e, opus_int32 v) { return ope_encoder_ctl(e, OPUS_SET_BITRATE(v)); }
static inline int commcast_ope_set_complexity(OggOpusEnc *e, opus_int32 v) { return ope_encoder_ctl(e, OPUS_SET_COMPLEXITY(v)); }
static inline int commcast_ope_set_signal_voice(OggOpusEnc *e) { return ope_encoder_ctl(e, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)); }
static inline int commcast_ope_set_inband_fec(OggOpusEnc *e, opus_int32 v) { return ope_encoder_ctl(e, OPUS_SET_INBAND_FEC(v)); }
static inline int commcast_ope_set_packet_loss_perc(OggOpusEnc *e, opus_int32 v) { return ope_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(v)); }
static inline int commcast_ope_set_frame_duration_20ms(OggOpusEnc *e) { return ope_encoder_ctl(e, OPUS_SET_EXPERT_FRAME_DURATION(OPUS_FRAMESIZE_20_MS)); }
static inline int commcast_ope_set_vbr_constraint(OggOpusEnc *e, opus_int32 v) { return ope_encoder_ctl(e, OPUS_SET_VBR_CONSTRAINT(v)); }
static inline int commcast_ope_set_decision_delay(OggOpusEnc *e, opus_int32 v) { return ope_encoder_ctl(e, OPE_SET_DECISION_DELAY(v)); }
static inline int commcast_ope_set_comment_padding(OggOpusEnc *e, opus_int32 v) { return ope_encoder_ctl(e, OPE_SET_COMMENT_PADDING(v)); }
static inline int commcast_ope_set_serialno(OggOpusEnc *e, opus_int32 v) { return ope_encoder_ctl(e, OPE_SET_SERIALNO(v)); }
static inline int commcast_ope_get_lookahead(OggOpusEnc *e, opus_int32 *v) { return ope_encoder_ctl(e, OPUS_GET_LOOKAHEAD(v)); }
#endif
