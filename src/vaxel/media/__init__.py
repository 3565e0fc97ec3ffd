"""Media: RTP/RTCP, G.711, RFC 4733 DTMF, jitter buffer (pure); sessions on asyncio.

Pure (no event loop, no sockets, no clock):
    rtp, rtcp          packets on the wire, sequence arithmetic, reception statistics
    g711               PCMU/PCMA tables and the codec registry (SAMPLES_PER_FRAME = 160)
    dtmf               telephone-event payloads, DtmfSender, DtmfReceiver
    jitterbuffer       reordering for recordings, silence for what was lost
    wav, resample      WAV files in and out, sample-rate conversion
    tones, holdmusic   call-progress tones, the voicemail beep, our own hold music
    sources            what a player plays: PCM, silence, loops, encoded once
    offer_answer       SDP offer/answer on a small data class, and to/from vaxel.sip.sdp
On asyncio:
    session            RtpSession: the UDP sockets of one call leg
    player             Player and the shared FrameClock that paces every stream
    recorder           Recorder (atomic WAV messages) and recover() after a crash
    speech, announcer  espeak-ng prompts with a disk cache; texts and prompt ids played
"""
