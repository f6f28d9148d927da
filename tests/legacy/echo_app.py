"""A tiny ASGI app for tests/legacy/test_deploy.py: answers with the client address uvicorn
gives it, so the test sees whether a forwarded header was believed."""


async def app(scope, receive, send):
    assert scope["type"] == "http"
    client = (scope.get("client") or ("", 0))[0]
    body = f"{client} {scope['scheme']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})
