"""Fixtures for the lint tests: a clean message that fires no rule, and ways to spoil it."""

from __future__ import annotations

from newsletter.lint import Selection, lint_html
from newsletter.render import Kind

WORDS = " ".join(["Votre commande arrive bientôt, merci pour votre confiance."] * 6)

CLEAN = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Boutique</title>
<style>
.button {{ color: #ffffff; background-color: #1a4d8f; }}
@media screen and (max-width: 600px) {{ .column {{ width: 100% !important; }} }}
{css}
</style>
{head}
</head>
<body style="color: #222222; background-color: #ffffff;">
<div class="preheader" style="display:none;max-height:0;overflow:hidden">Les soldes d'hiver : -50 % sur les manteaux.</div>
<table role="presentation" width="600">
<tr><td>
<h1>Bonjour Élodie</h1>
<h2>Votre commande</h2>
<p>{words}</p>
<img src="https://boutique.example/logo.png" alt="Boutique" width="120" height="40">
<p><a href="https://boutique.example/commande/42">Voir ma commande</a></p>
{body}
<p><a href="https://boutique.example/desinscription">Se désinscrire</a></p>
</td></tr>
</table>
</body>
</html>
"""


def page(*, body: str = "", css: str = "", head: str = "", words: str = WORDS) -> str:
    return CLEAN.format(body=body, css=css, head=head, words=words)


def rules_of(html: str, kind: Kind | None = Kind.PROMOTIONAL, select: tuple[str, ...] = ()) -> list[str]:
    return [f.rule for f in lint_html(html, path="message.html", kind=kind, selection=Selection(select)).findings]
