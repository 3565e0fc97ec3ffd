"""Media: RTP/RTCP, G.711, RFC 4733 DTMF, jitter buffer (pure); sessions on asyncio."""
