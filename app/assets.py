"""The page's own script and style, inserted into the page head at launch.

The chat sanitiser keeps `href` and `id` but drops `data-*` attributes, so a citation link
names its passage by `href="#rag-src-…"`; one delegated click listener opens that passage.
The script also:
- relabels the buttons Gradio draws itself (copy, like, clear, retry, the upload box) in the
  page's language, read from the header's `lang` (Gradio has no Vietnamese locale, app/i18n.py);
- makes the copy buttons copy what the message shows as plain text, not its HTML;
- shows each new question at the top of the chat with its answer growing below it, and again
  when the answer is finished (Gradio's own autoscroll, to the bottom, is off: it gave up once
  the reader had scrolled, e.g. by opening a citation, and it scrolled long answers past their
  start); focuses the input box without scrolling, on wide screens only (on a phone, focus
  would scroll the page and open the keyboard over the title).
"""

from __future__ import annotations

from app.i18n import gradio_labels_json

_SCRIPT = """
<script>
(() => {
  const LABELS = __LABELS__;
  const CANON = {};
  for (const [key, texts] of Object.entries(LABELS)) for (const text of Object.values(texts)) CANON[text] = key;

  const pageLanguage = () => {
    const header = document.querySelector(".rag-header[lang]");
    return header ? header.getAttribute("lang") : "vi";
  };

  const relabel = () => {
    const lang = pageLanguage();
    document.documentElement.setAttribute("lang", lang);
    const labelled = "#rag-chat [aria-label], #rag-chat [title], #rag-upload [aria-label], [data-testid='toast-body'] [aria-label]";
    for (const el of document.querySelectorAll(labelled)) {
      for (const attr of ["aria-label", "title"]) {
        const key = CANON[el.getAttribute(attr)];
        if (key && el.getAttribute(attr) !== LABELS[key][lang]) el.setAttribute(attr, LABELS[key][lang]);
      }
    }
    // Texts Gradio writes: the upload box, and toast titles (its toasts show the type, "Info").
    for (const holder of document.querySelectorAll("#rag-upload, [data-testid='toast-body'] .toast-title-row")) {
      const walker = document.createTreeWalker(holder, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.nodeValue.trim(), key = CANON[text];
        if (key && text !== LABELS[key][lang]) node.nodeValue = node.nodeValue.replace(text, LABELS[key][lang]);
      }
    }
  };

  // Plain text of one chat bubble: what the reader sees, markers and source lines included.
  const bubbleOf = (button) => {
    let el = button;
    while (el && el.id !== "rag-chat" && !el.querySelector(".rag-answer, .rag-question")) el = el.parentElement;
    return el && el.id !== "rag-chat" ? el : null;
  };
  const textOf = (el) => {
    const parts = [];
    for (const piece of el.querySelectorAll(".rag-question, .rag-answer, .rag-sources-title, .rag-source summary, .rag-note")) {
      parts.push(piece.innerText.trim());
    }
    return parts.filter(Boolean).join("\\n");
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("#rag-chat button[aria-label]");
    const key = button && CANON[button.getAttribute("aria-label")];
    if (key !== "copy" && key !== "copy_all") return;
    event.preventDefault();
    event.stopPropagation();
    let text = "";
    if (key === "copy") {
      const bubble = bubbleOf(button);
      text = bubble ? textOf(bubble) : "";
    } else {
      const chat = document.getElementById("rag-chat");
      text = Array.from(chat.querySelectorAll(".rag-question, .rag-answer")).map((piece) => {
        const holder = piece.parentElement;
        return piece.classList.contains("rag-question") ? piece.innerText.trim() : textOf(holder);
      }).join("\\n\\n");
    }
    navigator.clipboard.writeText(text);
    const lang = pageLanguage();
    button.setAttribute("title", LABELS.copied[lang]);
  }, true);

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.rag-cite");
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const source = document.getElementById((link.getAttribute("href") || "").slice(1));
    if (!source) return;
    source.open = true;
    source.classList.add("rag-flash");
    setTimeout(() => source.classList.remove("rag-flash"), 1200);
    source.scrollIntoView({block: "nearest", behavior: "smooth"});
  }, true);

  // A new question, and its finished answer, are shown from the question down.
  let questions = 0, answers = 0;
  const followChat = () => {
    const asked = document.querySelectorAll("#rag-chat .rag-question");
    const answered = document.querySelectorAll("#rag-chat .rag-answer:not(.rag-partial)").length;
    if (asked.length > questions || (answered > answers && asked.length)) {
      const last = asked[asked.length - 1];
      let scroller = last.parentElement;
      while (scroller && scroller !== document.body && scroller.scrollHeight <= scroller.clientHeight + 1) {
        scroller = scroller.parentElement;
      }
      if (scroller && scroller !== document.body) {
        const offset = last.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
        scroller.scrollTop += offset - 8;
      }
    }
    questions = asked.length;
    answers = answered;
  };

  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; relabel(); followChat(); });
  }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                        attributeFilter: ["lang", "aria-label", "title"], characterData: true});

  const focusBox = setInterval(() => {
    const box = document.querySelector("#rag-input textarea");
    if (!box) return;
    clearInterval(focusBox);
    if (window.matchMedia("(min-width: 700px)").matches) box.focus({preventScroll: true});
  }, 100);
  setTimeout(() => clearInterval(focusBox), 15000);
})();
</script>
"""


def head() -> str:
    return _SCRIPT.replace("__LABELS__", gradio_labels_json())


CSS = """
.rag-header h1 { margin: 0 0 .2em 0; font-size: 1.5em; }
.rag-header p { margin: 0; opacity: .8; }
.rag-answer ul { margin: .3em 0 .3em 1.2em; padding: 0; }
.rag-answer li { margin: .25em 0; }
a.rag-cite { font-weight: 600; text-decoration: none; cursor: pointer; padding: 0 .1em; }
a.rag-cite:hover { text-decoration: underline; }
.rag-sources { margin-top: .6em; border-top: 1px solid rgba(128,128,128,.3); padding-top: .4em; font-size: .9em; }
.rag-sources-title { font-weight: 600; opacity: .8; margin-bottom: .2em; }
.rag-source summary { cursor: pointer; overflow: hidden; list-style: none; }
.rag-source summary::-webkit-details-marker { display: none; }
.rag-source .rag-line { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.rag-source .rag-line::before { content: "▸ "; }
.rag-source[open] .rag-line { white-space: normal; }
.rag-source[open] .rag-line::before { content: "▾ "; }
.rag-source summary .rag-date { font-weight: 600; opacity: .8; white-space: nowrap; }
.rag-source summary .rag-title { opacity: .8; }
.rag-source summary .rag-quote { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
  overflow: hidden; margin-left: 1.6em; opacity: .75; font-style: italic; }
.rag-source[open] summary .rag-quote { display: none; }
.rag-passage { margin: .3em 0 .2em 1em; padding-left: .6em; border-left: 3px solid rgba(128,128,128,.4); }
.rag-passage mark, .rag-article-view mark { background: #ffe58a; color: #000; padding: 0 .1em; }
.rag-doc { margin-left: 1.6em; font-size: .8em; opacity: .6; }
.rag-flash { outline: 2px solid #f5a623; border-radius: 4px; }
.rag-note { font-size: .85em; opacity: .75; font-style: italic; margin-top: .3em; }
.rag-partial { opacity: .85; }
.rag-status { padding: .5em .8em; border-radius: 6px; background: rgba(245,166,35,.15); }
.rag-status.rag-done { background: rgba(60,180,90,.15); }
.rag-status.rag-error { background: rgba(220,60,60,.15); }
.rag-progress { display: block; width: 100%; margin-top: .3em; }
.rag-article-view h3 { margin: .2em 0; font-size: 1.05em; }
.rag-article-meta { font-size: .85em; opacity: .75; margin-bottom: .4em; }
.rag-article-text { max-height: 40vh; overflow-y: auto; font-size: .9em; line-height: 1.45; }
#rag-articles .wrap { flex-direction: column; flex-wrap: nowrap; gap: 2px; max-height: 300px; overflow-y: auto; }
#rag-articles label { font-size: .85em; padding: .3em .5em; width: 100%; }
#rag-past .wrap { flex-direction: column; flex-wrap: nowrap; gap: 2px; }
#rag-input textarea::placeholder { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
@media (max-width: 640px) {
  #rag-top { gap: .3em; flex-direction: column !important; }
  #rag-top > * { width: 100%; }
  #rag-switch .wrap { flex-wrap: nowrap; gap: .3em; }
  .rag-header h1 { font-size: 1.15em; margin: 0; }
  .rag-header p { display: none; }
  #rag-switch { padding: 0 !important; }
  #rag-switch > span, #rag-switch .block-title, #rag-switch [data-testid="block-info"] { display: none; }
  #rag-switch label { padding: .15em .45em !important; font-size: .8em; }
  #rag-ask-row { flex-wrap: nowrap !important; gap: .3em; }
  #rag-ask-row > * { min-width: 0 !important; }
  #rag-send, #rag-stop { min-width: 52px !important; max-width: 64px; padding: 0 .3em; font-size: .9em; }
}
"""
