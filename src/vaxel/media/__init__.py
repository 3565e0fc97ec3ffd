"""Media: RTP/RTCP, G.711, RFC 4733 DTMF, jitter buffer (pure); player, recorder and announcer sessions (asyncio)."""
