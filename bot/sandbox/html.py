"""`--html DIR`: every surface the sandbox showed as a page styled like Slack.

Pages are self-contained (inline CSS, no scripts, no network), so a browser, a
screenshot tool or a reviewer opens them as files.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from bot.sandbox.surface import Surface, buttons_of, plain_text, readable
from bot.sandbox.text import input_shown
from bot.sandbox.workspace import BY_NAME

Args = dict[str, Any]

CSS = """
body { font: 15px/1.46668 -apple-system, "Segoe UI", Lato, "Helvetica Neue", Arial, sans-serif;
       color: #1d1c1d; background: #f8f8f8; margin: 0; padding: 24px; }
.pane { max-width: 640px; margin: 0 auto; background: #fff; border: 1px solid #ddd;
        border-radius: 8px; overflow: hidden; }
.where { background: #3f0e40; color: #fff; padding: 10px 16px; font-weight: 700; }
.msg { display: flex; gap: 8px; padding: 12px 16px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #2eb67d; color: #fff;
          font-weight: 700; display: flex; align-items: center; justify-content: center; }
.body { flex: 1; min-width: 0; }
.name { font-weight: 900; } .app { font-size: 11px; background: #ddd; border-radius: 3px;
        padding: 1px 3px; margin-left: 4px; color: #616061; }
.only { color: #616061; font-size: 13px; margin-bottom: 4px; }
.thread { border-left: 3px solid #e8e8e8; margin-left: 16px; }
h1 { font-size: 18px; margin: 6px 0; } .section { margin: 4px 0; white-space: pre-wrap; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin: 4px 0; }
.context { color: #616061; font-size: 13px; margin: 4px 0; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.button { border: 1px solid #bbb; border-radius: 4px; padding: 3px 12px; font-weight: 700;
          font-size: 13px; background: #fff; }
.button.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.button.danger { background: #e01e5a; color: #fff; border-color: #e01e5a; }
.num { color: #888; font-weight: 400; margin-right: 4px; }
hr { border: 0; border-top: 1px solid #ddd; }
.input { margin: 10px 0; } .label { font-weight: 700; margin-bottom: 4px; }
.field-box { border: 1px solid #bbb; border-radius: 4px; padding: 8px; min-height: 20px; }
.placeholder { color: #999; } code { background: #f6f6f6; border: 1px solid #ddd;
        border-radius: 3px; padding: 0 3px; color: #e01e5a; font-size: 12px; }
.modal-foot { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 16px;
              border-top: 1px solid #ddd; }
a { color: #1264a3; text-decoration: none; }
.mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
.quote { border-left: 4px solid #ddd; padding-left: 10px; display: block; }
.check { font-size: 14px; }
"""
BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
CODE = re.compile(r"`([^`\n]+)`")
STRIKE = re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])")
MENTIONED = re.compile(rf"(?<![\w@])(@(?:{'|'.join(BY_NAME)}))\b")


def write_pages(surfaces: list[Surface], folder: Path) -> int:
    """One page a surface, named by its order and place, and index.html linking them."""
    folder.mkdir(parents=True, exist_ok=True)
    links = []
    for number, surface in enumerate(surfaces, start=1):
        name = f"{number:02d}-{slug(surface.where)}.html"
        (folder / name).write_text(page(surface), encoding="utf-8")
        links.append(f'<li><a href="{name}">{html.escape(surface.where)}</a></li>')
    index = f"<h1>What the sandbox showed</h1><ol>{''.join(links)}</ol>"
    (folder / "index.html").write_text(_document("Sandbox", index), encoding="utf-8")
    return len(surfaces)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def page(surface: Surface) -> str:
    where = surface.where + (" (updated)" if surface.updated else "")
    return _document(
        where,
        f'<div class="pane"><div class="where">{html.escape(where)}</div>{pane(surface)}</div>',
    )


def pane(surface: Surface) -> str:
    numbers = {id(b.element): n for n, b in enumerate(buttons_of(surface.blocks), start=1)}
    body = "".join(_block(b, numbers, surface.state) for b in surface.blocks)
    if not surface.blocks and surface.text:
        body = f'<div class="section">{mrkdwn(surface.text)}</div>'
    if surface.kind == "form":
        view = surface.view or {}
        foot = "".join(
            f'<span class="button{" primary" if key == "submit" else ""}">{html.escape(plain_text(view[key]))}</span>'
            for key in ("close", "submit")
            if key in view
        )
        return f'<div class="msg"><div class="body">{body}</div></div><div class="modal-foot">{foot}</div>'
    if surface.kind == "home":
        return f'<div class="msg"><div class="body">{body}</div></div>'
    only = '<div class="only">Only visible to you</div>' if surface.ephemeral else ""
    thread = " thread" if surface.thread_ts else ""
    return (
        f'<div class="msg{thread}"><div class="avatar">P</div><div class="body">'
        f'<span class="name">Perspective</span><span class="app">APP</span>{only}{body}</div></div>'
    )


def mrkdwn(text: str) -> str:
    """Slack's mrkdwn as HTML: escaped first, then bold, italics, code and line breaks."""
    shown = html.escape(readable(text), quote=False)
    shown = CODE.sub(r"<code>\1</code>", shown)
    shown = BOLD.sub(r"<b>\1</b>", shown)
    shown = ITALIC.sub(r"<i>\1</i>", shown)
    shown = STRIKE.sub(r"<s>\1</s>", shown)
    shown = MENTIONED.sub(r'<span class="mention">\1</span>', shown)
    # A quote is a block of its own, as in Slack: no line break around it.
    parts = [
        f'<span class="quote">{line[5:]}</span>' if line.startswith("&gt; ") else line + "<br>"
        for line in shown.split("\n")
    ]
    return "".join(parts).removesuffix("<br>")


def _block(block: Args, numbers: dict[int, int], state: dict[str, Args]) -> str:
    match block.get("type"):
        case "header":
            return f"<h1>{html.escape(plain_text(block.get('text')))}</h1>"
        case "section":
            text = f'<div class="section">{_text(block["text"])}</div>' if block.get("text") else ""
            fields = "".join(f"<div>{_text(f)}</div>" for f in block.get("fields") or [])
            accessory = block.get("accessory") or {}
            button = _button(accessory, numbers) if id(accessory) in numbers else ""
            grid = f'<div class="fields">{fields}</div>' if fields else ""
            return text + grid + (f'<div class="actions">{button}</div>' if button else "")
        case "context":
            words = " · ".join(_text(e) for e in block.get("elements") or [] if "text" in e)
            return f'<div class="context">{words}</div>'
        case "actions":
            pressable = [e for e in block.get("elements") or [] if id(e) in numbers]
            return f'<div class="actions">{"".join(_button(e, numbers) for e in pressable)}</div>'
        case "divider":
            return "<hr>"
        case "input":
            return _input(block, state)
    return ""


def _text(obj: Args) -> str:
    if obj.get("type") == "plain_text":
        return html.escape(plain_text(obj))
    return mrkdwn(obj.get("text", ""))


def _button(element: Args, numbers: dict[int, int]) -> str:
    style = element.get("style", "")
    label = html.escape(plain_text(element.get("text")))
    return f'<span class="button {style}"><span class="num">{numbers[id(element)]}</span>{label}</span>'


def _input(block: Args, state: dict[str, Args]) -> str:
    element = block.get("element") or {}
    shown = input_shown(element, state.get(block.get("block_id", ""), {}).get("value"))
    if element.get("type") == "checkboxes":
        ticks = "☑" if shown == "yes" else "☐"
        options = "".join(
            f'<div class="check">{ticks} {html.escape(plain_text(o.get("text")))}</div>'
            for o in element.get("options") or []
        )
        label = html.escape(plain_text(block.get("label")))
        return f'<div class="input"><div class="label">{label}</div>{options}</div>'
    placeholder = plain_text(element.get("placeholder")) or "…"
    value = (
        html.escape(shown)
        if shown
        else f'<span class="placeholder">{html.escape(placeholder)}</span>'
    )
    optional = ' <span class="placeholder">(optional)</span>' if block.get("optional") else ""
    return (
        f'<div class="input"><div class="label">{html.escape(plain_text(block.get("label")))}{optional}</div>'
        f'<div class="field-box">{value}</div></div>'
    )


def _document(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f"</title><style>{CSS}</style></head><body>{body}</body></html>\n"
    )
