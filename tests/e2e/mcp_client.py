#!/usr/bin/env python3
"""An MCP client for the end-to-end tests, on the official MCP Python SDK
(`mcp`, not ours): connects to the Worker's `/mcp` over streamable HTTP with
an API key and runs one scenario, printing one JSON line per step for the
Rust test (tests/e2e/mcp.rs) to check.

usage: mcp_client.py URL KEY (manage TARGET_URL | read-only)
       mcp_client.py stdio KEY stdio PINGWARDEN_BINARY API_URL
(the second runs `pingwarden mcp` as .mcp.json would, and talks to it over stdio)
"""
import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client


def say(step, **facts):
    print(json.dumps({"step": step, **facts}), flush=True)


async def call(session, step, tool, arguments):
    result = await session.call_tool(tool, arguments)
    text = "".join(c.text for c in result.content if c.type == "text")
    say(step, is_error=result.isError, structured=result.structuredContent, text=text)
    return result.structuredContent or {}


def transport(url, key, scenario, extra):
    if url != "stdio":
        return streamablehttp_client(url, headers={"Authorization": f"Bearer {key}"})
    binary, api_url = extra
    server = StdioServerParameters(
        command=binary, args=["mcp"], env={"PINGWARDEN_API_KEY": key, "PINGWARDEN_API_URL": api_url})
    return stdio_client(server)


async def main(url, key, scenario, *extra):
    target = extra[0] if extra else None
    async with transport(url, key, scenario, extra) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            say("initialize", protocol_version=init.protocolVersion, server=init.serverInfo.name)
            tools = await session.list_tools()
            say("tools", names=[t.name for t in tools.tools])
            if scenario == "stdio":
                await call(session, "create", "create_monitor",
                           {"name": "nightly", "type": "heartbeat", "interval_seconds": 86400})
                return
            if scenario == "read-only":
                await call(session, "create", "create_monitor", {"name": "nope", "url": "http://127.0.0.1:9/"})
                await call(session, "list", "list_monitors", {})
                return
            created = await call(session, "create", "create_monitor", {"name": "mcp shop", "url": target, "interval_seconds": 60})
            monitor_id = created["data"]["id"]
            await call(session, "status", "get_monitor_status", {"monitor_id": monitor_id})
            opened = await call(session, "incident", "create_incident", {"title": "Checkout is slow", "monitor_ids": [monitor_id]})
            incident_id = opened["data"]["id"]
            await call(session, "resolve", "update_incident",
                       {"incident_id": incident_id, "status": "resolved", "message": "Fixed the cache"})
            await call(session, "incidents", "list_incidents", {"status": "resolved"})
            await call(session, "pause", "pause_monitor", {"monitor_id": monitor_id})
            await call(session, "delete", "delete_monitor", {"monitor_id": monitor_id})


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
