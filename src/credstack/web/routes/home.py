"""``/``: where a newcomer goes as issuer, learner or employer (architecture §1)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from credstack.web.negotiation import page_router
from credstack.web.rendering import render
from credstack.web.sessions import OptionalUser

router = page_router()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: OptionalUser) -> HTMLResponse:
    """The start page: three doors, each a sentence and a link."""
    return render(request, "home.html", user=user)
