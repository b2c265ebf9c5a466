"""The inbox's HTML: plain pages, one inline stylesheet, every value escaped. A message's HTML
part is shown only inside `<iframe sandbox srcdoc>` without allow-scripts, so nothing in a mail
runs; its links open in a new tab (`<base target=_blank>`, allow-popups)."""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from urllib.parse import quote

from standins.mailbox.messages import SHOWN_HEADERS

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;
 background:#f6f7f9}
header{background:#24292f;color:#fff;padding:.7rem 1.5rem;display:flex;gap:1rem;
 align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:600}
header .state{font-size:.85rem;opacity:.85}
main{max-width:70rem;margin:1.2rem auto;padding:0 1.5rem}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #d0d7de}
th,td{text-align:left;padding:.45rem .7rem;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f0f2f5;font-size:.85rem}
td.when{white-space:nowrap;color:#57606a;font-size:.9rem}
tr:hover td{background:#f6f8fa}
a{color:#0969da}
form.inline{display:inline}
input[type=text]{padding:.3rem .5rem;border:1px solid #d0d7de;border-radius:4px;min-width:16rem}
button{padding:.3rem .8rem;border:1px solid #d0d7de;border-radius:4px;background:#fff;
 cursor:pointer}
button.danger{color:#cf222e}
.bar{display:flex;gap:.6rem;align-items:center;margin-bottom:1rem;flex-wrap:wrap}
.empty{padding:2rem;text-align:center;color:#57606a;background:#fff;border:1px solid #d0d7de}
dl{display:grid;grid-template-columns:9rem 1fr;gap:.25rem .8rem;background:#fff;
 border:1px solid #d0d7de;padding:.8rem 1rem;margin:0 0 1rem}
dt{color:#57606a}dd{margin:0;word-break:break-word}
h1{font-size:1.3rem;margin:.2rem 0 1rem;word-break:break-word}
h2{font-size:1rem;margin:1.2rem 0 .4rem}
iframe{width:100%;height:32rem;border:1px solid #d0d7de;background:#fff}
pre{white-space:pre-wrap;word-break:break-word;background:#fff;border:1px solid #d0d7de;
 padding:.8rem 1rem;margin:0;font:13px/1.5 ui-monospace,Menlo,Consolas,monospace}
.muted{color:#57606a}
"""
URL = re.compile(r"(https?://[^\s<>\"']+)")


def _page(title: str, body: str, state: dict | None = None) -> str:
    status = ""
    if state is not None:
        smtp = f"SMTP :{state['port']} {state['smtp']}"
        faults = []
        if state["refusing_temporarily"]:
            faults.append("refusing temporarily (451)")
        if state["refused_recipients"]:
            faults.append("refusing " + ", ".join(state["refused_recipients"]) + " (550)")
        status = f'<span class="state">{escape(" · ".join([smtp, *faults]))}</span>'
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · Mailbox</title><style>{STYLE}</style></head><body>"
        f'<header><a href="/">Mailbox</a><span class="state">every e-mail Relay sends</span>'
        f"{status}</header><main>{body}</main></body></html>"
    )


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _filter_link(address: str) -> str:
    return f'<a href="/?to={escape(quote(address), quote=True)}">{escape(address)}</a>'


def _row(row: dict) -> str:
    recipients = ", ".join(_filter_link(a) for a in row["envelope"]["rcpt_tos"])
    subject = row["subject"] or "(no subject)"
    return (
        f'<tr><td class="when">{escape(_when(row["received_at"]))}</td>'
        f"<td>{escape(row['from'])}</td><td>{recipients}</td>"
        f'<td><a href="/messages/{row["id"]}">{escape(subject)}</a></td></tr>'
    )


def inbox(rows: list[dict], *, to: str | None, matching: int, total: int, state: dict) -> str:
    value = escape(to or "", quote=True)
    shown = f"{matching} of {total}" if to else f"{total}"
    if len(rows) < matching:
        shown += f" (the newest {len(rows)} shown)"
    bar = (
        '<div class="bar"><form method="get" action="/" class="inline">'
        f'<input type="text" name="to" value="{value}" placeholder="recipient@example.com" '
        'aria-label="Recipient"> <button>Filter</button></form>'
        + (' <a href="/">Show all</a>' if to else "")
        + f' <span class="muted">{shown} message{"" if total == 1 else "s"}</span>'
        ' <a href="">Refresh</a>'
        '<form method="post" action="/delete-all" class="inline" style="margin-left:auto">'
        '<button class="danger">Delete all</button></form></div>'
    )
    if not rows:
        return _page("Inbox", bar + '<p class="empty">No messages yet.</p>', state)
    table = (
        "<table><thead><tr><th>Received</th><th>From</th><th>To</th><th>Subject</th></tr>"
        "</thead><tbody>" + "".join(_row(r) for r in rows) + "</tbody></table>"
    )
    return _page("Inbox", bar + table, state)


def _linked_text(text: str) -> str:
    pieces = URL.split(text)
    return "".join(
        f'<a href="{escape(piece, quote=True)}" target="_blank" rel="noreferrer">'
        f"{escape(piece)}</a>"
        if index % 2
        else escape(piece)
        for index, piece in enumerate(pieces)
    )


def message(data: dict) -> str:
    fields = {
        "From": data["from"],
        "Reply-To": data["reply_to"],
        "To": data["to"],
        "Cc": data["cc"],
        "Subject": data["subject"],
        "Date": data["date"],
        "Message-ID": data["message_id"],
    }
    rows = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(fields[name])}</dd>"
        if fields[name]
        else f'<dt>{escape(name)}</dt><dd class="muted">(none)</dd>'
        for name in SHOWN_HEADERS
        if fields[name] or name != "Cc"
    )
    envelope = data["envelope"]
    rows += (
        f"<dt>Envelope</dt><dd>from {escape(envelope['mail_from'] or '<>')} to "
        f"{escape(', '.join(envelope['rcpt_tos']))}, received {escape(_when(data['received_at']))}"
        "</dd>"
    )
    links = (
        f'<p class="bar"><a href="/messages/{data["id"]}.eml">Download .eml</a>'
        f'<a href="/messages/{data["id"]}/source">View source</a><a href="/">Back to inbox</a></p>'
    )
    body = f"<h1>{escape(data['subject'] or '(no subject)')}</h1><dl>{rows}</dl>{links}"
    body += _parts(data)
    return _page(data["subject"] or "Message", body)


def _parts(data: dict) -> str:
    body = "<h2>HTML part</h2>"
    if data["html"] is None:
        body += '<p class="muted">This message has no HTML part.</p>'
    else:
        document = '<base target="_blank">' + data["html"]
        body += (
            '<iframe title="HTML part" sandbox="allow-popups allow-popups-to-escape-sandbox" '
            f'referrerpolicy="no-referrer" srcdoc="{escape(document, quote=True)}"></iframe>'
        )
    body += "<h2>Plain-text part</h2>"
    if data["text"] is None:
        body += '<p class="muted">This message has no plain-text part.</p>'
    else:
        body += f"<pre>{_linked_text(data['text'])}</pre>"
    if data["attachments"]:
        items = "".join(
            f"<li>{escape(a['filename'])} ({escape(a['content_type'])}, {a['size']} bytes)</li>"
            for a in data["attachments"]
        )
        body += f"<h2>Attachments</h2><ul>{items}</ul>"
    headers = "".join(f"{escape(name)}: {escape(value)}\n" for name, value in data["headers"])
    body += f"<details><summary>All headers</summary><pre>{headers}</pre></details>"
    return body


def not_found() -> str:
    return _page("Not found", '<p class="empty">No such message. <a href="/">Inbox</a></p>')
