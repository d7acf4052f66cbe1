// The preview page: poll /version, and when the inputs change fetch /state.json, fill the
// panels and reload the iframes (light, dark and inverted). Everything from the server is set as text, never as HTML.
"use strict";

const POLL_MS = 500;
let shown = null;

const $ = (id) => document.getElementById(id);
// The page's words in the locale of the person previewing, written into the page by the server.
const WORDS = JSON.parse($("words").textContent);
const say = (key, values = {}) => WORDS[key].replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");

function text(id, value) {
  $(id).textContent = value || "";
}

function element(tag, className, content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content !== undefined && content !== null) node.textContent = content;
  return node;
}

function showError(message) {
  $("error").hidden = !message;
  text("error", message);
}

function fillInbox(inbox) {
  text("inbox-sender", inbox ? inbox.sender_name : "");
  text("inbox-subject", inbox ? inbox.subject : "");
  text("inbox-snippet", inbox ? inbox.preheader : "");
  if (inbox) $("inbox-sender").title = inbox.sender_address;
}

function fillPromotions(state) {
  const card = state.promotions;
  $("promotions").hidden = state.kind !== "promotional";
  $("promo-none").hidden = Boolean(card);
  text("promo-sender", state.inbox ? state.inbox.sender_name : "");
  text("promo-subject", state.inbox ? state.inbox.subject : "");
  const logo = $("promo-logo");
  logo.hidden = !(card && card.logo);
  if (card && card.logo) logo.src = card.logo;
  const deal = card && card.deal;
  $("deal").hidden = !deal;
  text("deal-badge", deal && deal.description);
  text("deal-code", deal && deal.code ? say("code", { code: deal.code }) : "");
  text("deal-ends", deal && deal.expires);
  const carousel = $("carousel");
  carousel.replaceChildren();
  for (const product of (card && card.products) || []) {
    const figure = element("figure", "product");
    const image = element("img");
    image.alt = product.headline || "";
    if (product.image) image.src = product.image;
    const caption = element("figcaption", null, product.headline);
    if (product.price_shown) caption.append(element("div", "price", product.price_shown));
    figure.append(image, caption);
    carousel.append(figure);
  }
}

function fillPlacement(placement) {
  const panel = $("placement");
  panel.replaceChildren();
  panel.classList.toggle("unavailable", !placement);
  if (!placement) {
    panel.textContent = say("unavailable");
    return;
  }
  const confidence = placement.confidence_shown ? ` (${placement.confidence_shown})` : "";
  panel.append(element("div", "tab", say("predicted", { tab: placement.tab_shown }) + confidence));
  panel.append(element("div", "risk", say("risk", { risk: placement.spam_risk_shown })));
  if (placement.reasons.length) {
    const list = element("ul");
    for (const reason of placement.reasons) list.append(element("li", null, reason));
    panel.append(list);
  }
}

function fillFindings(findings, shown) {
  const list = $("findings");
  list.replaceChildren();
  text("finding-count", findings.length ? `(${findings.length})` : "");
  if (!findings.length) {
    list.append(element("li", "clean", say("no_findings")));
    return;
  }
  findings.forEach((found, index) => {
    const words = shown[index];
    const item = element("li", found.severity);
    const where = found.location.line ? say("line", { line: found.location.line }) : found.location.path;
    item.append(element("span", "rule", found.rule), " ", element("span", "severity", words.severity), " ",
                element("span", "message", words.message), " ", element("span", "where", where));
    if (words.fix) item.append(element("div", "fix", words.fix));
    list.append(item);
  });
}

function reloadFrames(version) {
  for (const id of ["desktop", "mobile", "dark", "inverted"]) {
    const scheme = $(id).dataset.scheme;
    $(id).src = "/email.html?v=" + encodeURIComponent(version) + (scheme ? "&scheme=" + scheme : "");
  }
}

async function refresh() {
  const response = await fetch("/state.json", { cache: "no-store" });
  const state = await response.json();
  if (!response.ok) {
    showError(state.error);
    return;
  }
  text("template", state.template);
  text("kind", state.kind_shown);
  text("watched", state.watched.join(", "));
  showError(state.error);
  fillInbox(state.inbox);
  fillPromotions(state);
  fillPlacement(state.placement);
  fillFindings(state.findings, state.findings_shown);
  if (!shown || shown.html !== state.html_version) reloadFrames(state.html_version);
  shown = { version: state.version, html: state.html_version };
  document.title = (state.inbox ? state.inbox.subject + " · " : "") + say("title");
}

async function poll() {
  try {
    const response = await fetch("/version", { cache: "no-store" });
    const { version } = await response.json();
    text("status", say("live"));
    if (!shown || version !== shown.version) await refresh();
  } catch (error) {
    text("status", say("stopped"));
  }
  setTimeout(poll, POLL_MS);
}

poll();
