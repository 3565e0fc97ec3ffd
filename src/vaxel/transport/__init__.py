"""asyncio adapters that feed bytes and loop.time() into vaxel.sip."""
