"""What check reads once instead of again (issue 18) reads as before: a run's messages share
their parsed headers, the signals find headers through one index, the navigation menu finds its
links without numbering the tree, and an unsubscribe link is judged once; over real messages."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from lxml import html as lxml_html

from conftest import ROOT, corpus_files, requires_shared
from newsletter.document import Folders, load_input
from newsletter.html.dom import hidden_in_tree
from newsletter.lint.content import _unsubscribe_link, unsubscribe_link
from newsletter.placement.knowledge import knowledge
from newsletter.placement.signals import _has_navigation, _Headers, _visible_links

MESSAGES = corpus_files("gmail-labelled/*.eml")[::4] + corpus_files("spamassassin/*/*.eml")[::15] \
    + corpus_files("eml/*.eml")

NAMES = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID", "Content-Type", "List-Unsubscribe",
         "List-Id", "Feedback-ID", "References", "X-Mailer", "No-Such-Header")


@requires_shared
def test_a_runs_messages_read_their_headers_as_the_default_policy_does():
    folders = Folders()
    for path in MESSAGES:
        shared = load_input(path, folders=folders).message
        plain = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        for part, plain_part in zip(shared.walk(), plain.walk(), strict=True):
            assert part.get_content_type() == plain_part.get_content_type(), path
            assert part.get_content_charset() == plain_part.get_content_charset(), path
        for name in NAMES:
            ours, theirs = shared.get_all(name), plain.get_all(name)
            assert (ours is None) == (theirs is None), (path, name)
            for a, b in zip(ours or (), theirs or (), strict=True):
                assert (str(a), type(a).__mro__[1:], len(a.defects)) == (str(b), type(b).__mro__[1:], len(b.defects))
        assert _Headers(shared)("From") == " ".join(str(plain.get("From") or "").split())


@requires_shared
def test_a_header_value_is_parsed_once_in_a_run():
    folders = Folders()
    first = load_input(MESSAGES[0], folders=folders).message
    assert first.get("Content-Type") is first.get("Content-Type")  # not parsed again at each ask
    again = load_input(MESSAGES[0], folders=folders).message  # the same values, later in the run
    assert again.get("From") is first.get("From") and again.get("Content-Type") is first.get("Content-Type")
    alone = load_input(MESSAGES[0]).message  # another run: parsed again
    assert alone.get("Content-Type") is not first.get("Content-Type")
    assert str(alone.get("Content-Type")) == str(first.get("Content-Type"))


def _navigation_as_it_was(document, links, known) -> bool:
    """`_has_navigation` as it was written first: every element numbered in document order."""
    from newsletter.html.dom import hidden_in_tree, text_of

    limits = known.structure
    first_content = None
    for element in document.iter("h1", "h2", "h3", "p"):
        if len(text_of(element).split()) >= 8 and not hidden_in_tree(element):
            first_content = element
            break
    order = {element: n for n, element in enumerate(document.iter())}
    limit = order.get(first_content, len(order))
    rows: dict = {}
    for link in links:
        words = len(text_of(link).split())
        if not 1 <= words <= limits.menu_max_words or order.get(link, limit) >= limit:
            continue
        row = next((a for a in link.iterancestors() if a.tag in ("tr", "ul", "nav", "p")), link.getparent())
        rows[row] = rows.get(row, 0) + 1
    return any(count >= limits.menu_min_links for count in rows.values())


MENU = """<html><body><table><tr><td><a href="https://shop.example/a">Femme</a> <a href="https://shop.example/b">Homme</a>
<a href="https://shop.example/c">Enfant</a> <a href="https://shop.example/d">Soldes</a></td></tr></table>
<p>Voici les nouveautés de la saison, choisies pour vous par notre équipe à Lyon.
<a href="https://shop.example/e">Voir</a></p></body></html>"""


@requires_shared
def test_the_navigation_menu_is_found_as_before():
    known = knowledge()
    seen = {True: 0, False: 0}
    documents = [lxml_html.document_fromstring(MENU), lxml_html.document_fromstring(MENU.replace("<p>", "<h1>", 1)
                                                                                       .replace("</p>", "</h1>"))]
    documents += [d.document for d in map(load_input, corpus_files("promotional/*.html", "transactional/*.html")
                                           + MESSAGES) if d.document is not None]
    for document in documents:
        links = _visible_links(document, hidden_in_tree)
        found = _has_navigation(document, links, known, hidden_in_tree)
        assert found == _navigation_as_it_was(document, links, known)
        seen[found] += 1
    assert seen[True] and seen[False]  # both answers met


@requires_shared
def test_an_unsubscribe_link_is_judged_once_and_as_before():
    judged = 0
    for path in MESSAGES:
        item = load_input(path)
        for link in item.elements("a"):
            expected = _unsubscribe_link(item, link)
            assert unsubscribe_link(item, link) == expected
            assert item.derived("unsubscribe_links", dict)[link] == expected  # kept for the next ask
            judged += expected
    assert judged  # some links are unsubscribe links


@requires_shared
def test_markup_read_from_the_documents_tree_is_markup_read_from_its_html():
    from newsletter.document import LoadOptions
    from newsletter.markup.extract import extract, markup_of

    items = []
    rendered = [load_input(ROOT / "templates" / "transactional" / "order-confirmation.html",
                           LoadOptions(data_file=ROOT / "examples" / "boutique" / "order.json"))]
    for item in rendered + [load_input(p) for p in corpus_files("promotional/*.html", "transactional/*.html") + MESSAGES]:
        if item.html:
            read = markup_of(item)
            assert read == extract(item.html, item.path), item.path
            items += read.items
    assert any(i.syntax.value == "microdata" for i in items) and any(i.syntax.value != "microdata" for i in items)
