"""The page's own script and style, inserted into the page head at launch.

The chat sanitiser keeps `href` and `id` but drops `data-*` attributes, so a citation link
names its passage by `href="#rag-src-…"`; one delegated click listener opens that passage.
"""

from __future__ import annotations

HEAD = """
<script>
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
</script>
"""

CSS = """
.rag-header h1 { margin: 0 0 .2em 0; font-size: 1.5em; }
.rag-header p { margin: 0; opacity: .8; }
.rag-answer ul { margin: .3em 0 .3em 1.2em; padding: 0; }
.rag-answer li { margin: .25em 0; }
a.rag-cite { font-weight: 600; text-decoration: none; cursor: pointer; padding: 0 .1em; }
a.rag-cite:hover { text-decoration: underline; }
.rag-sources { margin-top: .6em; border-top: 1px solid rgba(128,128,128,.3); padding-top: .4em; font-size: .9em; }
.rag-sources-title { font-weight: 600; opacity: .8; margin-bottom: .2em; }
.rag-source summary { cursor: pointer; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.rag-source[open] summary { white-space: normal; }
.rag-source .rag-date { opacity: .7; }
.rag-passage { margin: .3em 0 .2em 1em; padding-left: .6em; border-left: 3px solid rgba(128,128,128,.4); }
.rag-passage mark { background: #ffe58a; color: #000; padding: 0 .1em; }
.rag-doc { margin-left: 1.6em; font-size: .8em; opacity: .6; }
.rag-flash { outline: 2px solid #f5a623; border-radius: 4px; }
.rag-note { font-size: .85em; opacity: .75; font-style: italic; margin-top: .3em; }
.rag-partial { opacity: .85; }
.rag-status { padding: .5em .8em; border-radius: 6px; background: rgba(245,166,35,.15); }
.rag-progress { display: block; width: 100%; margin-top: .3em; }
"""
