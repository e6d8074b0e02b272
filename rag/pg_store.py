"""The PostgreSQL backend: the index as tables in one schema, pgvector for the vectors.

Chosen when `RAG_DATABASE_URL` (or `--database-url`) is set; retrieval, fusion and answers are
the same code as for the local backend (rag/retrieval.py), only the reads below differ.

Schema `rag` (or `RAG_DATABASE_SCHEMA`; `rag eval --corpus` uses one per corpus), version
SCHEMA_VERSION, created and upgraded by this module (MIGRATIONS):
- `meta` (model, dim, chunking, folders mirrored, schema version), `stats` (one row: a
  generation bumped by every commit, passage count and summed token lengths for BM25);
- `documents` (id, title, date, url, content hash, source), `passages` (text, sentence spans,
  a `halfvec` embedding under an HNSW index), `sentences` (one `halfvec` per sentence);
- `lexicon`: per passage, the two lexical views (accented and accent-folded syllables plus
  neighbouring pairs, made by rag/text.py so no server extension beyond pgvector is needed) as
  `tsvector` columns with GIN indexes, the counts of the terms that occur more than once, and
  the lengths; `terms` (document frequency per view and term) and `names` (joined spellings of
  two-syllable names) keep the statistics BM25 and the question-side logic read.

Lexical search is not PostgreSQL's ranking (an OR of common syllables makes it rank nearly every
row: 837 ms at 100k rows, DESIGN.md): the GIN index returns the postings of the question's rarest
terms, the rows holding all of its other terms are added (an AND), and BM25 is computed in numpy
from stored statistics with the same formula and the same common-term cut as the local backend.
Writes take an advisory lock and commit one transaction per batch of articles.
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import numpy as np

from rag.chunking import Chunk
from rag.lexical import LexicalIndex, joined_names
from rag.lexical_set import COMMON_MIN_POSTINGS, COMMON_SHARE, _idf
from rag.store import (MATCH_SETTINGS, CommitStats, IndexMissing, IndexModelMismatch, IndexOutdated, IndexProblem,
                       LexicalCandidates, NewDocument, SparseScores, StoredDocument)
from rag.text import STOPWORDS, fold, folded_syllables, query_terms, syllables, with_bigrams

if TYPE_CHECKING:
    from rag.question import Question

SCHEMA_VERSION = 1
DEFAULT_SCHEMA = "rag"
K1, B = 1.5, 0.75                 # bm25s's defaults, so scores match the local backend's
POSTINGS_BUDGET = 5_000           # postings read per view and question before switching to AND
RESCORED = 400                    # rows of a partial (rare-terms) ranking scored on every term
HNSW_M, HNSW_EF_CONSTRUCTION = 16, 64
EF_SEARCH = 400  # ≥ the 200 dense candidates asked for (HNSW returns at most ef_search rows); at 20k
# synthetic passages recall@10 0.975 → 0.998 for 4.3 → 5.7 ms a query; 100 gave 0.87 at 100k
BATCH_DOCUMENTS = 200             # articles per transaction
CONNECT_TIMEOUT = 5
POOL_SIZE = 8
VIEWS = {"a": "accented", "f": "folded"}
_WORD = re.compile(r"\w+")


class StoreUnavailable(IndexProblem):
    """The database cannot be reached; the message names its host, never its password."""


def where(url: str) -> str:
    """`host:port/db` of a URL, for messages (a Unix socket folder stands for the host)."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - a malformed URL still gets a message without secrets
        parts = urlsplit(url)
        return parts.hostname or "?"
    host = str(info.get("host") or "localhost")
    port = info.get("port")
    return f"{host}{':' + str(port) if port else ''}/{info.get('dbname', '')}"


def _unavailable(url: str, err: Exception) -> StoreUnavailable:
    reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    reason = reason.split("failed: ")[-1]
    password = urlsplit(url).password if "://" in url else None
    if password:
        reason = reason.replace(password, "***")
    return StoreUnavailable(f"cannot use the PostgreSQL database at {where(url)}: {reason}")


def _tsvector(terms: Counter) -> str:
    """A tsvector literal of `terms` as they are (no parser, no dictionary)."""
    return " ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)


def _tsquery(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _views(text: str) -> dict[str, list[str]]:
    """The tokens of each lexical view, exactly as rag/lexical.py indexes them for BM25."""
    return {"a": with_bigrams(syllables(text)), "f": with_bigrams(folded_syllables(text))}


def _migration_1(schema: str, dim: int) -> list[str]:
    s = f'"{schema}"'
    return [
        f"CREATE TABLE {s}.meta (key text PRIMARY KEY, value jsonb NOT NULL)",
        f"""CREATE TABLE {s}.stats (one boolean PRIMARY KEY DEFAULT true CHECK (one),
            generation bigint NOT NULL, passages bigint NOT NULL, accented_len bigint NOT NULL,
            folded_len bigint NOT NULL)""",
        f"INSERT INTO {s}.stats VALUES (true, 0, 0, 0, 0)",
        f"""CREATE TABLE {s}.documents (doc_id text PRIMARY KEY, hash text NOT NULL, source text,
            title text, date text, url text, chunks integer NOT NULL)""",
        f"""CREATE TABLE {s}.passages (id bigint PRIMARY KEY, doc_id text NOT NULL
            REFERENCES {s}.documents ON DELETE CASCADE, ord integer NOT NULL, chunk_id text NOT NULL,
            text text NOT NULL, start_char integer NOT NULL, end_char integer NOT NULL,
            sentences integer[] NOT NULL, embedding halfvec({dim}) NOT NULL)""",
        f"CREATE SEQUENCE {s}.passage_ids",
        f"CREATE INDEX ON {s}.passages (doc_id)",
        f"""CREATE TABLE {s}.sentences (passage_id bigint REFERENCES {s}.passages ON DELETE CASCADE,
            ord smallint, embedding halfvec({dim}) NOT NULL, PRIMARY KEY (passage_id, ord))""",
        f"""CREATE TABLE {s}.lexicon (passage_id bigint PRIMARY KEY REFERENCES {s}.passages
            ON DELETE CASCADE, accented tsvector NOT NULL, folded tsvector NOT NULL,
            accented_tf jsonb NOT NULL, folded_tf jsonb NOT NULL, accented_len integer NOT NULL,
            folded_len integer NOT NULL)""",
        f"CREATE INDEX ON {s}.lexicon USING gin (accented)",
        f"CREATE INDEX ON {s}.lexicon USING gin (folded)",
        f"""CREATE TABLE {s}.terms (view "char" NOT NULL, term text NOT NULL, df integer NOT NULL,
            PRIMARY KEY (view, term))""",
        f"CREATE TABLE {s}.names (key text PRIMARY KEY, spelling text NOT NULL, docs integer NOT NULL)",
    ]


# Version N's statements bring a schema from N-1 to N; `_upgrade` runs the missing ones in order.
MIGRATIONS = {1: _migration_1}


def _hnsw(schema: str) -> str:
    return (f'CREATE INDEX IF NOT EXISTS passages_embedding ON "{schema}".passages USING hnsw '
            f"(embedding halfvec_ip_ops) WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")


def lock_key(schema: str) -> int:
    """The advisory lock of one schema's writers (a 31-bit number from its name)."""
    return zlib.crc32(f"rag-writer:{schema}".encode()) & 0x7FFFFFFF


@contextmanager
def advisory_lock(url: str, schema: str) -> Iterator[None]:
    """One writer at a time per schema, across machines: a session-level advisory lock."""
    import psycopg

    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as err:
        raise _unavailable(url, err) from None
    try:
        conn.execute("SELECT pg_advisory_lock(%s)", (lock_key(schema),))
        yield
    finally:
        conn.close()  # ends the session, which releases the lock


def recorded_roots(url: str, schema: str) -> list[str]:
    """The folders the index in `schema` mirrors ([] when there is none yet)."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
            if conn.execute("SELECT to_regclass(%s)", (f'"{schema}".meta',)).fetchone()[0] is None:
                return []
            row = conn.execute(f'SELECT value FROM "{schema}".meta WHERE key = %s', ("roots",)).fetchone()
    except psycopg.Error as err:
        raise _unavailable(url, err) from None
    return list(row[0]) if row else []


@dataclass
class _Snapshot:
    """What one question reads: a repeatable-read transaction and the statistics it saw."""

    conn: object
    generation: int
    passages: int
    avg_len: dict[str, float]


class _TermSet:
    """`term in …` over a view's terms (the folded vocabulary), or over the joined names."""

    def __init__(self, store: "PgStore", kind: str) -> None:
        self.store, self.kind = store, kind

    def __contains__(self, term: object) -> bool:
        if not isinstance(term, str):
            return False
        if self.kind == "names":
            return term in self.store._names([term])
        return self.store._df("f", [term]).get(term, 0) > 0


class _TermStats:
    """`size` and `idf` for LexicalIndex.term_weights, read from the stored statistics."""

    def __init__(self, store: "PgStore", size: int) -> None:
        self.store, self.size = store, size

    def idf(self, term: str) -> float | None:
        df = self.store._df("f", [term]).get(term, 0)
        return _idf(df, self.size) if df else None


@dataclass
class _Bm25:
    """BM25 of one view for one question: exact for the rows read so far, more rows on demand."""

    store: "PgStore"
    view: str
    terms: list[str]
    weights: np.ndarray  # idf x repeats, per term
    known: dict[int, float] = field(default_factory=dict)
    complete: bool = False  # every row holding a term is in `known`: the others score 0
    read: int = 0  # the first `read` terms' postings were read whole: `rare` holds their scores
    rare: dict[int, float] = field(default_factory=dict)

    def score(self, rows: list[tuple[int, int, int, str | None]], first_term: int = 0) -> dict[int, float]:
        """Sum BM25 over (term number, passage, length, tf or None meaning 1) rows; term numbers
        count from 1 at `self.terms[first_term]`."""
        if not rows:
            return {}
        term, key, length, tf = (np.array(c) for c in zip(*rows))
        tf = np.array([1.0 if t is None else float(t) for t in tf])
        avg = self.store._snapshot().avg_len[self.view] or 1.0
        part = self.weights[first_term + term.astype(np.int64) - 1] * tf / (tf + K1 * (1 - B + B * length / avg))
        unique, inverse = np.unique(key.astype(np.int64), return_inverse=True)
        sums = np.bincount(inverse, weights=part)
        return dict(zip(unique.tolist(), sums.tolist()))

    def exact(self, keys: list[int]) -> None:
        """Score `keys` on every term (rows with none of them score 0). The rare terms' postings
        were read whole, so only the other terms are looked up for these rows: at 20k passages
        this took a question from 75 to 53–67 ms (/tmp script, cached query vectors)."""
        missing = [k for k in keys if k not in self.known]
        if not missing or not self.terms or self.complete:
            self.known.update(dict.fromkeys(missing, 0.0))
            return
        rest = self.terms[self.read:]
        found = self.score(self.store._rows(self.view, rest, missing), first_term=self.read)
        self.known.update({k: self.rare.get(k, 0.0) + found.get(k, 0.0) for k in missing})


class LazyScores(SparseScores):
    """SparseScores whose `at` also scores keys outside the lexical top-k (dense candidates)."""

    def __init__(self, bm25: _Bm25) -> None:
        self.bm25 = bm25
        self._refresh()

    def _refresh(self) -> None:
        keys = np.array(sorted(self.bm25.known), dtype=np.int64)
        self.keys = keys
        self.values = np.array([self.bm25.known[int(k)] for k in keys], dtype=np.float32)

    def at(self, keys: np.ndarray) -> np.ndarray:
        self.bm25.exact([int(k) for k in keys])
        self._refresh()
        return super().at(keys)

    def top(self, k: int) -> np.ndarray:
        live = self.keys[self.values > 0]
        values = self.values[self.values > 0]
        return live if len(live) <= k else live[np.argpartition(-values, k - 1)[:k]]


class PgStore:
    """An index held in one PostgreSQL schema; safe for many threads and processes at once."""

    def __init__(self, url: str, schema: str, pool, meta: dict) -> None:
        self.url, self.schema, self.pool, self.meta = url, schema, pool, meta
        self._local = threading.local()
        self._cache_generation = -1
        self._df_cache: dict[tuple[str, str], int] = {}
        self._names_cache: dict[str, str | None] = {}

    # ---------------------------------------------------------------- opening
    @classmethod
    def _pool(cls, url: str, schema: str):
        if not url:
            raise IndexProblem("RAG_STORE=postgres needs RAG_DATABASE_URL (or --database-url)")
        import psycopg
        from pgvector.psycopg import register_vector
        from psycopg_pool import ConnectionPool

        try:  # one plain attempt first: a clear message instead of a pool retrying for 30 s
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
        except psycopg.Error as err:
            raise _unavailable(url, err) from None

        def configure(conn) -> None:
            conn.execute(f'SET search_path TO "{schema}", public')
            conn.execute(f"SET hnsw.ef_search = {EF_SEARCH}")
            register_vector(conn)

        return ConnectionPool(url, min_size=1, max_size=POOL_SIZE, open=True, configure=configure,
                              kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT})

    @classmethod
    def open(cls, url: str, schema: str, model: str) -> "PgStore":
        """Open the index in `schema`; raise an `IndexProblem` whose message says what to run."""
        import psycopg

        place = f"PostgreSQL schema {schema} at {where(url)}"
        if not url:
            raise IndexProblem("RAG_STORE=postgres needs RAG_DATABASE_URL (or --database-url)")
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
                if conn.execute("SELECT to_regclass(%s)", (f'"{schema}".meta',)).fetchone()[0] is None:
                    raise IndexMissing(f"no index in {place}: run `rag ingest` to build it")
                meta = dict(conn.execute(f'SELECT key, value FROM "{schema}".meta').fetchall())
        except psycopg.Error as err:
            raise _unavailable(url, err) from None
        version = int(meta.get("schema_version", 0))
        if version > SCHEMA_VERSION:
            raise IndexOutdated(f"{place} was written by a newer release (schema {version}): upgrade rag")
        if meta.get("model") != model:
            raise IndexModelMismatch(f"{place} was built with {meta.get('model')!r}, not {model!r}: "
                                     f"run `rag ingest --rebuild` or set {MATCH_SETTINGS} to match")
        store = cls(url, schema, cls._pool(url, schema), meta)
        if version < SCHEMA_VERSION:
            store._upgrade(version)
        return store

    @classmethod
    def create(cls, url: str, schema: str, model: str, dim: int, chunking: dict, **facts: str) -> "PgStore":
        """A store whose first commit (replace_all) creates the schema, replacing what is there."""
        import psycopg

        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error as err:
            raise _unavailable(url, err) from None
        meta = {**facts, "schema_version": SCHEMA_VERSION, "model": model, "dim": dim, "chunking": chunking,
                "roots": []}
        return cls(url, schema, cls._pool(url, schema), meta)

    def _upgrade(self, version: int) -> None:
        with self._write() as conn:
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[v](self.schema, self.dim):
                    conn.execute(statement)
            conn.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", (json.dumps(SCHEMA_VERSION),))
        self.meta["schema_version"] = SCHEMA_VERSION

    def close(self) -> None:
        self.pool.close()

    def warm(self) -> None:
        """Nothing to read ahead from a client: the server's own caches (shared buffers, the OS's)
        serve every process on the database, and `pg_prewarm` is the server operator's tool."""
        return None

    # ---------------------------------------------------------------- connections
    @contextmanager
    def _conn(self) -> Iterator:
        """The question's snapshot connection if one is open, else a pooled one; errors of an
        unreachable server become StoreUnavailable."""
        import psycopg

        current = getattr(self._local, "snapshot", None)
        try:
            if current is not None:
                yield current.conn
            else:
                with self.pool.connection() as conn:
                    yield conn
        except psycopg.OperationalError as err:
            raise _unavailable(self.url, err) from None

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees one committed state (a question never mixes two ingests)."""
        if getattr(self._local, "snapshot", None) is not None:
            yield
            return
        import psycopg

        try:
            with self.pool.connection() as conn:
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    self._local.snapshot = self._read_stats(conn)
                    try:
                        yield
                    finally:
                        self._local.snapshot = None
        except psycopg.OperationalError as err:
            raise _unavailable(self.url, err) from None

    def _read_stats(self, conn) -> _Snapshot:
        generation, passages, a_len, f_len = conn.execute(
            "SELECT generation, passages, accented_len, folded_len FROM stats", prepare=True).fetchone()
        if generation != self._cache_generation:  # an ingest committed: cached statistics are stale
            self._df_cache, self._names_cache = {}, {}
            self._cache_generation = generation
        n = max(int(passages), 1)
        return _Snapshot(conn, int(generation), int(passages), {"a": a_len / n, "f": f_len / n})

    def _snapshot(self) -> _Snapshot:
        current = getattr(self._local, "snapshot", None)
        if current is not None:
            return current
        with self._conn() as conn:
            return self._read_stats(conn)

    # ---------------------------------------------------------------- facts
    @property
    def model(self) -> str:
        return self.meta["model"]

    @property
    def dim(self) -> int:
        return int(self.meta["dim"])

    @property
    def chunking(self) -> dict:
        return self.meta["chunking"]

    @property
    def roots(self) -> list[str]:
        return list(self.meta.get("roots", []))

    @property
    def n_chunks(self) -> int:
        return self._snapshot().passages

    def documents(self) -> dict[str, StoredDocument]:
        with self._conn() as conn:
            rows = conn.execute("SELECT doc_id, hash, source, title, date, chunks FROM documents").fetchall()
        return {r[0]: StoredDocument(*r) for r in rows}

    def all_keys(self) -> np.ndarray:
        with self._conn() as conn:
            rows = conn.execute("SELECT id FROM passages ORDER BY id", prepare=True).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    # ---------------------------------------------------------------- dense
    def dense_search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        with self._conn() as conn:
            rows = conn.execute("SELECT id, -(embedding <#> %s::vector::halfvec) FROM passages "
                                "ORDER BY embedding <#> %s::vector::halfvec LIMIT %s",
                                (query, query, k), prepare=True).fetchall()
        return (np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], dtype=np.float32))

    def passage_similarity(self, query: np.ndarray, keys: np.ndarray) -> np.ndarray:
        with self._conn() as conn:
            rows = conn.execute("SELECT id, -(embedding <#> %s::vector::halfvec) FROM passages WHERE id = ANY(%s::bigint[])",
                                (query, keys.tolist()), prepare=True).fetchall()
        found = dict(rows)
        return np.array([found.get(int(k), 0.0) for k in keys], dtype=np.float32)

    def sentence_similarities(self, query: np.ndarray, keys: np.ndarray) -> list[np.ndarray]:
        with self._conn() as conn:
            rows = conn.execute("SELECT passage_id, array_agg(-(embedding <#> %s::vector::halfvec) ORDER BY ord) "
                                "FROM sentences WHERE passage_id = ANY(%s::bigint[]) GROUP BY passage_id",
                                (query, keys.tolist()), prepare=True).fetchall()
        found = {k: np.array(v, dtype=np.float32) for k, v in rows}
        empty = np.zeros(0, dtype=np.float32)
        return [found.get(int(k), empty) for k in keys]

    # ---------------------------------------------------------------- tables
    def chunks(self, keys: np.ndarray) -> list[Chunk]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT p.id, p.chunk_id, p.doc_id, d.title, d.date, d.url, p.text, p.start_char, p.end_char, "
                "p.sentences FROM passages p JOIN documents d USING (doc_id) WHERE p.id = ANY(%s::bigint[])",
                ([int(k) for k in keys],), prepare=True).fetchall()
        found = {r[0]: Chunk(r[1], r[2], r[3] or "", r[4] or "", r[5] or "", r[6], r[7], r[8],
                             tuple(zip(r[9][::2], r[9][1::2]))) for r in rows}
        missing = [int(k) for k in keys if int(k) not in found]
        if missing:
            raise IndexProblem(f"passages {missing[:3]} left the index while being read: ask again")
        return [found[int(k)] for k in keys]

    def doc_ids(self, keys: np.ndarray) -> list[str]:
        with self._conn() as conn:
            found = dict(conn.execute("SELECT id, doc_id FROM passages WHERE id = ANY(%s::bigint[])",
                                      ([int(k) for k in keys],), prepare=True).fetchall())
        return [found.get(int(k), "") for k in keys]

    # ---------------------------------------------------------------- lexical
    def _df(self, view: str, terms: list[str]) -> dict[str, int]:
        """Document frequency of `terms` in a view (0 when absent), cached per generation."""
        self._snapshot()  # clears the cache when an ingest committed since
        missing = sorted({t for t in terms if (view, t) not in self._df_cache})
        if missing:
            with self._conn() as conn:
                found = dict(conn.execute("SELECT term, df FROM terms WHERE view = %s AND term = ANY(%s::text[])",
                                          (view, missing), prepare=True).fetchall())
            for t in missing:
                self._df_cache[(view, t)] = int(found.get(t, 0))
        return {t: self._df_cache[(view, t)] for t in terms}

    def _names(self, keys: list[str]) -> dict[str, str]:
        self._snapshot()
        missing = sorted({k for k in keys if k not in self._names_cache})
        if missing:
            with self._conn() as conn:
                found = dict(conn.execute("SELECT key, spelling FROM names WHERE key = ANY(%s::text[])",
                                          (missing,), prepare=True).fetchall())
            for k in missing:
                self._names_cache[k] = found.get(k)
        return {k: self._names_cache[k] for k in keys if self._names_cache.get(k)}

    def _postings(self, view: str, terms: list[str]) -> list[tuple]:
        """(term number, passage, length, tf) for every row holding each term (the GIN index)."""
        column = VIEWS[view]
        with self._conn() as conn:
            return conn.execute(
                f"SELECT t.i, l.passage_id, l.{column}_len, l.{column}_tf ->> t.term "
                f"FROM unnest(%s::text[], %s::tsquery[]) WITH ORDINALITY t(term, q, i) "
                f"CROSS JOIN LATERAL (SELECT passage_id, {column}_len, {column}_tf FROM lexicon "
                f"WHERE {column} @@ t.q) l", (terms, [_tsquery(t) for t in terms]), prepare=True).fetchall()

    def _rows(self, view: str, terms: list[str], keys: list[int]) -> list[tuple]:
        """The same rows as `_postings`, for the passages `keys` only."""
        column = VIEWS[view]
        with self._conn() as conn:
            return conn.execute(
                f"SELECT t.i, l.passage_id, l.{column}_len, l.{column}_tf ->> t.term FROM lexicon l "
                f"JOIN unnest(%s::text[], %s::tsquery[]) WITH ORDINALITY t(term, q, i) ON l.{column} @@ t.q "
                f"WHERE l.passage_id = ANY(%s::bigint[])", (terms, [_tsquery(t) for t in terms], keys), prepare=True).fetchall()

    def _all_of(self, view: str, terms: list[str], limit: int) -> list[int]:
        column = VIEWS[view]
        with self._conn() as conn:
            rows = conn.execute(f"SELECT passage_id FROM lexicon WHERE {column} @@ %s::tsquery LIMIT %s",
                                (" & ".join(_tsquery(t) for t in terms), limit), prepare=True).fetchall()
        return [r[0] for r in rows]

    def _view_scores(self, view: str, question_terms: list[str], n: int) -> LazyScores:
        """BM25 of one view: rarest terms' postings first, then the rows holding all the rest."""
        df = self._df(view, question_terms)
        common = max(COMMON_MIN_POSTINGS, COMMON_SHARE * n)
        repeats = Counter(t for t in question_terms if 0 < df[t] <= common)
        terms = sorted(repeats, key=lambda t: (df[t], t))
        weights = np.array([_idf(df[t], n) * repeats[t] for t in terms], dtype=np.float64)
        bm25 = _Bm25(self, view, terms, weights, complete=not terms)
        if not terms:
            return LazyScores(bm25)
        read, rare = 0, []
        for t in terms:
            if rare and read + df[t] > POSTINGS_BUDGET:
                break
            rare.append(t)
            read += df[t]
        partial = bm25.score(self._postings(view, rare))
        if len(rare) == len(terms):
            bm25.known.update(partial)
            bm25.complete = True
            return LazyScores(bm25)
        bm25.read, bm25.rare = len(rare), partial
        rest = terms[len(rare):]
        best = sorted(partial, key=lambda k: -partial[k])[:RESCORED]
        bm25.exact(best + self._all_of(view, rest, RESCORED))
        return LazyScores(bm25)

    def lexical_search(self, question: "Question", k: int) -> LexicalCandidates:
        """The same query terms and coverage as the local backend (rag/lexical_set.py)."""
        accented = [w.written.lower() for w in question.words]
        folded = question.folded
        content = [t for t in folded if t not in STOPWORDS] or folded
        names = [w.syllable for w in question.words if w.capital]
        snap = self._snapshot()
        a_terms, f_terms = query_terms(accented), query_terms(folded)
        known = self._df("f", content + names + f_terms)
        coverage = sum(1 for t in content if known[t]) / len(content) if content else 0.0
        name_share = sum(1 for t in names if known[t]) / len(names) if names else 0.0
        accented_scores = self._view_scores("a", a_terms, snap.passages)
        folded_scores = self._view_scores("f", f_terms, snap.passages)
        top = np.union1d(accented_scores.top(k), folded_scores.top(k)).astype(np.int64)
        return LexicalCandidates(top, accented_scores, folded_scores, coverage, name_share)

    def spell_names(self, question: str) -> str:
        words = [w for w in _WORD.findall(question) if w[0].isupper()]
        spelled = self._names([fold(w).lower() for w in words])
        return LexicalIndex.spell_names(_Spelling(spelled), question)

    def term_weights(self, question: "Question") -> tuple[dict[str, float], set[str]]:
        return LexicalIndex.term_weights(_TermStats(self, self._snapshot().passages), question)

    @property
    def names(self) -> _TermSet:
        return _TermSet(self, "names")

    @property
    def vocabulary(self) -> _TermSet:
        return _TermSet(self, "vocabulary")

    def accented_df(self, terms: list[str]) -> dict[str, int]:
        """Read each time, not through `_df`'s cache: restoring one question asks about hundreds of
        spellings, mostly absent, so a cache would grow with every question a server answers."""
        with self._conn() as conn:
            found = dict(conn.execute("SELECT term, df FROM terms WHERE view = 'a' AND term = ANY(%s::text[])",
                                      (terms,), prepare=True).fetchall())
        return {t: int(found.get(t, 0)) for t in terms}

    def documents_with(self, term: str) -> frozenset[str]:
        with self._conn() as conn:
            rows = conn.execute("SELECT DISTINCT p.doc_id FROM lexicon l JOIN passages p ON p.id = l.passage_id "
                                "WHERE l.folded @@ %s::tsquery", (_tsquery(term),), prepare=True).fetchall()
        return frozenset(r[0] for r in rows)

    # ---------------------------------------------------------------- writing
    @contextmanager
    def _write(self) -> Iterator:
        """One transaction holding the schema's commit lock (readers are never blocked)."""
        import psycopg

        try:
            with self.pool.connection() as conn:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(self.schema) ^ 1,))
                    yield conn
        except psycopg.OperationalError as err:
            raise _unavailable(self.url, err) from None

    def commit(self, added: list[NewDocument], removed: list[str], roots: list[str],
               replace_all: bool = False) -> CommitStats:
        """Remove `removed`, replace or add `added`: one transaction per BATCH_DOCUMENTS articles,
        so an article is never visible half-written. `replace_all` starts the schema afresh (the
        HNSW index is then built once at the end, faster than row by row)."""
        stats = CommitStats()
        self.meta["roots"] = roots
        batches = [added[i:i + BATCH_DOCUMENTS] for i in range(0, len(added), BATCH_DOCUMENTS)] or [[]]
        for number, batch in enumerate(batches):
            with self._write() as conn:
                if number == 0 and replace_all:
                    self._recreate(conn)
                gone = [d.doc.doc_id for d in batch] + (list(removed) if number == 0 else [])
                self._delete(conn, gone)
                stats.bytes_written += self._insert(conn, batch)
                conn.execute("UPDATE meta SET value = %s WHERE key = 'roots'", (json.dumps(roots),))
                conn.execute("UPDATE stats SET generation = generation + 1")
            stats.segments += 1
        if replace_all:
            with self._write() as conn:
                conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
                conn.execute(_hnsw(self.schema))
        return stats

    def _recreate(self, conn) -> None:
        s = f'"{self.schema}"'
        conn.execute(f"DROP SCHEMA IF EXISTS {s} CASCADE")
        conn.execute(f"CREATE SCHEMA {s}")
        for statement in MIGRATIONS[1](self.schema, self.dim):
            conn.execute(statement)
        for v in range(2, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[v](self.schema, self.dim):
                conn.execute(statement)
        conn.execute(f"INSERT INTO {s}.meta SELECT key, value FROM jsonb_each(%s::jsonb)", (json.dumps(self.meta),))

    def _delete(self, conn, doc_ids: list[str]) -> None:
        """Delete documents and take their rows out of the statistics."""
        if not doc_ids:
            return
        for view, column in VIEWS.items():
            conn.execute(
                f"WITH gone AS (SELECT lexeme, count(*) AS n FROM lexicon l JOIN passages p ON p.id = l.passage_id, "
                f"unnest(l.{column}) WHERE p.doc_id = ANY(%s::text[]) GROUP BY lexeme) "
                f"UPDATE terms t SET df = t.df - gone.n FROM gone WHERE t.view = %s AND t.term = gone.lexeme",
                (doc_ids, view))
        conn.execute("DELETE FROM terms WHERE df <= 0")
        texts: dict[str, list[str]] = {}
        for doc_id, text in conn.execute("SELECT doc_id, text FROM passages WHERE doc_id = ANY(%s::text[]) ORDER BY id",
                                         (doc_ids,)):
            texts.setdefault(doc_id, []).append(text)
        names = Counter(k for parts in texts.values() for k in joined_names(parts))
        if names:
            conn.execute("UPDATE names n SET docs = n.docs - g.n FROM unnest(%s::text[], %s::int[]) g(key, n) "
                         "WHERE n.key = g.key", (list(names), list(names.values())))
            conn.execute("DELETE FROM names WHERE docs <= 0")
        conn.execute("UPDATE stats s SET passages = s.passages - g.n, accented_len = s.accented_len - g.a, "
                     "folded_len = s.folded_len - g.f FROM (SELECT count(*) AS n, coalesce(sum(accented_len), 0) AS a, "
                     "coalesce(sum(folded_len), 0) AS f FROM lexicon l JOIN passages p ON p.id = l.passage_id "
                     "WHERE p.doc_id = ANY(%s::text[])) g", (doc_ids,))
        conn.execute("DELETE FROM documents WHERE doc_id = ANY(%s::text[])", (doc_ids,))

    def _insert(self, conn, docs: list[NewDocument]) -> int:
        """COPY the documents, passages, sentence vectors and lexical rows; update statistics."""
        from pgvector import HalfVector

        if not docs:
            return 0
        n = sum(len(d.chunks) for d in docs)
        ids = [r[0] for r in conn.execute("SELECT nextval('passage_ids') FROM generate_series(1, %s)", (n,))]
        df = {"a": Counter(), "f": Counter()}
        lengths = {"a": 0, "f": 0}
        names: Counter = Counter()
        written = 0
        with conn.cursor().copy("COPY documents (doc_id, hash, source, title, date, url, chunks) FROM STDIN") as copy:
            for d in docs:
                url = d.chunks[0].url if d.chunks else ""
                copy.write_row((d.doc.doc_id, d.doc.hash, d.doc.source, d.doc.title, d.doc.date, url, len(d.chunks)))
        passage_rows, sentence_rows, lexicon_rows = [], [], []
        next_id = iter(ids)
        for d in docs:
            names.update(joined_names([c.text for c in d.chunks]).keys())
            offset = 0
            for ord_, (chunk, vector) in enumerate(zip(d.chunks, d.passage_vectors)):
                pid = next(next_id)
                spans = [x for span in chunk.sentences for x in span]
                passage_rows.append((pid, chunk.doc_id, ord_, chunk.chunk_id, chunk.text, chunk.start, chunk.end,
                                     spans, HalfVector(vector)))
                for s in range(len(chunk.sentences)):
                    sentence_rows.append((pid, s, HalfVector(d.sentence_vectors[offset + s])))
                offset += len(chunk.sentences)
                row = [pid]
                tfs, lens = [], []
                for view, tokens in _views(chunk.text).items():
                    counts = Counter(tokens)
                    df[view].update(counts.keys())
                    lengths[view] += len(tokens)
                    row.append(_tsvector(counts))
                    tfs.append(json.dumps({t: c for t, c in counts.items() if c > 1}, ensure_ascii=False))
                    lens.append(len(tokens))
                lexicon_rows.append((*row, *tfs, *lens))
                written += len(chunk.text.encode()) + 2 * self.dim * (1 + len(chunk.sentences))
        types = ["bigint", "text", "integer", "text", "text", "integer", "integer", "integer[]", "halfvec"]
        with conn.cursor().copy("COPY passages (id, doc_id, ord, chunk_id, text, start_char, end_char, sentences, "
                                "embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for r in passage_rows:
                copy.write_row(r)
        with conn.cursor().copy("COPY sentences (passage_id, ord, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["bigint", "smallint", "halfvec"])
            for r in sentence_rows:
                copy.write_row(r)
        with conn.cursor().copy("COPY lexicon (passage_id, accented, folded, accented_tf, folded_tf, accented_len, "
                                "folded_len) FROM STDIN") as copy:
            for r in lexicon_rows:
                copy.write_row(r)
        for view, counts in df.items():
            conn.execute("INSERT INTO terms (view, term, df) SELECT %s, * FROM unnest(%s::text[], %s::int[]) "
                         "ON CONFLICT (view, term) DO UPDATE SET df = terms.df + excluded.df",
                         (view, list(counts), list(counts.values())))
        spelled = {}
        for d in docs:
            spelled.update(joined_names([c.text for c in d.chunks]))
        if names:
            conn.execute("INSERT INTO names (key, spelling, docs) SELECT * FROM unnest(%s::text[], %s::text[], %s::int[]) "
                         "ON CONFLICT (key) DO UPDATE SET docs = names.docs + excluded.docs, spelling = excluded.spelling",
                         (list(names), [spelled[k] for k in names], list(names.values())))
        conn.execute("UPDATE stats SET passages = passages + %s, accented_len = accented_len + %s, "
                     "folded_len = folded_len + %s", (n, lengths["a"], lengths["f"]))
        return written

    # ---------------------------------------------------------------- upkeep
    def merge_plan(self, everything: bool = False) -> list[list[int]]:
        """Nothing to merge: PostgreSQL keeps one set of tables (VACUUM reclaims deleted rows)."""
        return []

    def merge(self, groups: list[list[int]]) -> CommitStats:
        return CommitStats()

    def compact(self) -> CommitStats:
        with self._conn() as conn:
            for table in ("documents", "passages", "sentences", "lexicon", "terms", "names"):
                conn.execute(f"VACUUM (ANALYZE) {table}")
        return CommitStats()

    def check(self) -> list[str]:
        """Consistency of the stored statistics with the rows they summarise."""
        problems = []
        with self._conn() as conn:
            passages, a_len, f_len = conn.execute("SELECT passages, accented_len, folded_len FROM stats").fetchone()
            count, a_sum, f_sum = conn.execute("SELECT count(*), coalesce(sum(accented_len), 0), "
                                               "coalesce(sum(folded_len), 0) FROM lexicon").fetchone()
            if (passages, a_len, f_len) != (count, a_sum, f_sum):
                problems.append(f"statistics say {passages} passages, the tables hold {count}")
            bad = conn.execute("SELECT count(*) FROM documents d WHERE chunks <> "
                               "(SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id)").fetchone()[0]
            if bad:
                problems.append(f"{bad} documents do not hold the passages they list")
            bad = conn.execute("SELECT count(*) FROM passages p WHERE cardinality(p.sentences) / 2 <> "
                               "(SELECT count(*) FROM sentences s WHERE s.passage_id = p.id)").fetchone()[0]
            if bad:
                problems.append(f"{bad} passages lack sentence vectors")
        return problems


@dataclass
class _Spelling:
    """The `names` LexicalIndex.spell_names reads, for the words of one question."""

    names: dict[str, str]
