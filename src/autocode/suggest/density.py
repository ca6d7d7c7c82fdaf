"""HDBSCAN with excess-of-mass selection, in numpy and SciPy (Campello et al. 2013).

The same algorithm and the same selection rules as the ``hdbscan`` package's
``HDBSCAN(cluster_selection_method="eom", max_cluster_size=...)`` (McInnes et al. 2017),
which the tests use as the reference, without its import of scikit-learn (~1 s of every
``suggest``) or its kd-tree Borůvka (~2 s on 14k points here):

1. **Spanning tree** of the mutual-reachability graph (core distance: the distance to the
   ``min_samples``-th neighbour, the point itself not counted). Up to :data:`DENSE_MAX`
   points: exact, Prim's algorithm on the dense matrix. Above: Borůvka on the graph of each
   point's :data:`GRAPH_K` nearest neighbours (a SciPy kd-tree), components the graph leaves
   apart joined by their exact nearest pairs — the minimum tree of that graph, which is the
   exact one but where a tree edge joins two points neither of which is among the other's
   nearest neighbours (on nhs_phase1's 13,805 units: the exact tree's weight and hdbscan's
   exact-tree labels; on synthetic 10-d blobs within 0.01%; hdbscan's default tree is
   approximate too).
2. **Single-linkage hierarchy** from the tree's edges in order of weight (ties: tree order).
3. **Condensed tree**: splits into two parts of at least ``min_cluster_size`` are clusters,
   smaller parts are points falling out (at λ = 1 / distance).
4. **Excess of mass**: bottom-up, a cluster is kept when its stability is at least the sum
   of its children's and it holds at most ``max_cluster_size`` points; the root never is.
   Sums are rounded to float32 as hdbscan's are, so near-ties go the same way.
5. Each point takes the kept cluster above it in the condensed tree, or -1.

Everything depends on the rows' positions only to break exact ties.
"""

from __future__ import annotations

import numpy as np

DENSE_MAX = 2500  # up to this many points the tree is exact (an n × n matrix: 50 MB)
GRAPH_K = 15  # neighbours per point in the sparse graph above DENSE_MAX


def hdbscan_labels(
    X: np.ndarray, min_cluster_size: int, min_samples: int = 1, max_cluster_size: int = 0
) -> np.ndarray:
    """Cluster labels (-1 = noise) of the rows of ``X`` (Euclidean), numbered in the order
    of the condensed tree (as hdbscan's are)."""
    X = np.asarray(X, dtype=np.float64)
    n = len(X)
    if n < 2:
        return np.full(n, -1, dtype=np.int64)
    ms = int(max(1, min(n - 1, min_samples)))
    a, b, w = spanning_tree(X, ms)
    left, right, dist, size = single_linkage(a, b, w, n)
    par, chi, lam, csz = _condense(left, right, dist, size, n, min_cluster_size)
    return _select(par, chi, lam, csz, n, max_cluster_size)


def spanning_tree(X: np.ndarray, min_samples: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges (a, b, weight) of a minimum spanning tree of the mutual-reachability graph."""
    if len(X) <= DENSE_MAX:
        return _prim_dense(X, min_samples)
    return _boruvka_knn(X, min_samples)


def _dists(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    D = (A * A).sum(1)[:, None] - 2 * (A @ B.T) + (B * B).sum(1)[None, :]
    return np.sqrt(np.maximum(D, 0))


def _prim_dense(X: np.ndarray, ms: int):
    n = len(X)
    D = _dists(X, X)
    np.fill_diagonal(D, 0)
    core = np.partition(D, ms, axis=1)[:, ms]
    M = np.maximum(D, np.maximum(core[:, None], core[None, :]))
    done = np.zeros(n, dtype=bool)
    best = np.full(n, np.inf)
    src = np.zeros(n, dtype=np.int64)
    a = np.empty(n - 1, dtype=np.int64)
    b = np.empty(n - 1, dtype=np.int64)
    w = np.empty(n - 1)
    cur = 0
    for i in range(n - 1):
        done[cur] = True
        row = M[cur]
        closer = row < best
        best[closer] = row[closer]
        src[closer] = cur
        best[done] = np.inf
        nxt = int(np.argmin(best))  # the first of equals: ties by position
        a[i], b[i], w[i] = src[nxt], nxt, best[nxt]
        best[nxt] = np.inf
        done[nxt] = True
        cur = nxt
    return a, b, w


def _boruvka_knn(X: np.ndarray, ms: int):
    from scipy.spatial import cKDTree

    # exact duplicates are one point here (the kd-tree's ties would otherwise decide)
    U, first, inverse, count = np.unique(
        X, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.ravel()
    m = len(U)
    k = min(m - 1, max(GRAPH_K, ms))
    if k < 1:  # every row the same point
        core = np.zeros(1)
        a, b, w = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    else:
        dist, idx = (np.asarray(v) for v in cKDTree(U).query(U, k=k + 1))
        # core distance with duplicates counted: the copies of a point are at distance 0
        cum = np.cumsum(np.where(np.arange(k + 1) == 0, count[:, None] - 1, count[idx]), axis=1)
        core = dist[np.arange(m), np.argmax(cum >= ms, axis=1)]
        core[cum[:, -1] < ms] = dist[cum[:, -1] < ms, -1]  # fewer neighbours than needed
        r = np.repeat(np.arange(m), k)
        c = idx[:, 1:].ravel()
        d = np.maximum(dist[:, 1:].ravel(), np.maximum(core[r], core[c]))
        lo, hi = np.minimum(r, c), np.maximum(r, c)
        key = np.unique(lo * m + hi, return_index=True)[1]  # each pair once
        lo, hi, d = lo[key], hi[key], d[key]
        a, b, w = _boruvka(U, core, lo, hi, d)
    # map back to rows: a point is its first row; its other copies hang on it
    dup = np.setdiff1d(np.arange(len(X)), first)
    a = np.concatenate([first[a], first[inverse[dup]]])
    b = np.concatenate([first[b], dup])
    w = np.concatenate([w, core[inverse[dup]]])
    return a, b, w


def _boruvka(U, core, lo, hi, d):
    """Borůvka's algorithm on the edges (lo, hi, d); components with no edge leaving them
    are joined by their exact nearest pair (mutual reachability)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    m = len(U)
    order = np.lexsort((hi, lo, d))  # a strict order of the edges: no cycles from ties
    lo, hi, d = lo[order], hi[order], d[order]
    comp: np.ndarray = np.arange(m)
    picked: list[np.ndarray] = []
    extra: list[tuple[int, int, float]] = []
    n_comp = m
    while n_comp > 1:
        cl, ch = comp[lo], comp[hi]
        out = cl != ch
        e = np.nonzero(out)[0]  # edges leave components, in order: the first is the lightest
        ends = np.concatenate([cl[e], ch[e]])
        ee = np.concatenate([e, e])
        s = np.lexsort((ee, ends))
        ends, ee = ends[s], ee[s]
        firsts = np.concatenate([[True], ends[1:] != ends[:-1]]) if len(ends) else ends
        chosen = np.unique(ee[firsts]) if len(ends) else np.zeros(0, np.int64)
        lonely = np.setdiff1d(np.unique(comp), ends[firsts]) if len(ends) else np.unique(comp)
        ca, cb = [lo[chosen]], [hi[chosen]]
        for c in lonely:  # no graph edge leaves it: its exact nearest pair
            inside = np.nonzero(comp == c)[0]
            outside = np.nonzero(comp != c)[0]
            best = (np.inf, 0, 0)
            for s0 in range(0, len(inside), 512):
                q = inside[s0 : s0 + 512]
                M = np.maximum(_dists(U[q], U[outside]), core[q][:, None])
                M = np.maximum(M, core[outside][None, :])
                i, j = np.unravel_index(np.argmin(M), M.shape)
                if M[i, j] < best[0]:
                    best = (float(M[i, j]), int(q[i]), int(outside[j]))
            extra.append((best[1], best[2], best[0]))
            ca.append(np.array([best[1]]))
            cb.append(np.array([best[2]]))
        picked.append(chosen)
        ja, jb = np.concatenate(ca), np.concatenate(cb)
        g = coo_matrix((np.ones(len(ja)), (comp[ja], comp[jb])), shape=(m, m))
        comp = connected_components(g, directed=False)[1][comp]
        n_new = len(np.unique(comp))
        if n_new == n_comp:  # cannot happen; guards the loop
            break
        n_comp = n_new
    sel = np.unique(np.concatenate(picked)) if picked else np.zeros(0, np.int64)
    a = np.concatenate([lo[sel], np.array([x[0] for x in extra], dtype=np.int64)])
    b = np.concatenate([hi[sel], np.array([x[1] for x in extra], dtype=np.int64)])
    w = np.concatenate([d[sel], np.array([x[2] for x in extra])])
    # an exact pair can repeat an edge or close a cycle with a graph edge chosen the same
    # round; a last Kruskal pass over the (few) edges keeps a tree
    return _kruskal(a, b, w, m)


def find_root(parent: list[int], x: int) -> int:
    """The root of ``x`` in a union-find forest, halving the path on the way."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _kruskal(a, b, w, n):
    order = np.lexsort((b, a, w))
    parent = list(range(n))
    keep = []
    for e in order.tolist():
        x, y = find_root(parent, int(a[e])), find_root(parent, int(b[e]))
        if x != y:
            parent[x] = y
            keep.append(e)
    k = np.array(keep, dtype=np.int64)
    return a[k], b[k], w[k]


def single_linkage(a, b, w, n):
    """The single-linkage merge list (scipy's layout: node n + i is merge i) of a tree."""
    order = np.argsort(w, kind="stable")
    parent = list(range(2 * n - 1))
    size = [1] * n + [0] * (n - 1)
    left = [0] * (n - 1)
    right = [0] * (n - 1)
    al, bl = a[order].tolist(), b[order].tolist()
    for i in range(n - 1):
        x, y = find_root(parent, al[i]), find_root(parent, bl[i])
        node = n + i
        left[i], right[i] = x, y
        size[node] = size[x] + size[y]
        parent[x] = parent[y] = node
    return left, right, w[order].tolist(), size


def _condense(left, right, dist, size, n, mcs):
    """The condensed tree as rows (parent, child, λ, child size), in hdbscan's order."""
    root = 2 * n - 2

    def bfs(start: int) -> list[int]:
        out, todo = [], [start]
        while todo:
            out.extend(todo)
            todo = [c for x in todo if x >= n for c in (left[x - n], right[x - n])]
        return out

    relabel = {root: n}
    nxt = n + 1
    ignore = set()
    par: list[int] = []
    chi: list[int] = []
    lam: list[float] = []
    csz: list[int] = []
    for node in bfs(root):
        if node < n or node in ignore:
            continue
        i = node - n
        lv = 1.0 / dist[i] if dist[i] > 0 else np.inf
        p = relabel[node]
        kids = (left[i], right[i])
        big = [size[c] >= mcs for c in kids]
        if big[0] and big[1]:
            for c in kids:
                relabel[c] = nxt
                par.append(p)
                chi.append(nxt)
                lam.append(lv)
                csz.append(size[c])
                nxt += 1
            continue
        for c, is_big in zip(kids, big, strict=True):
            if is_big:
                relabel[c] = p
                continue
            for s in bfs(c):
                if s < n:
                    par.append(p)
                    chi.append(s)
                    lam.append(lv)
                    csz.append(1)
                ignore.add(s)
    return par, chi, lam, csz


def _select(par, chi, lam, csz, n, max_cluster_size):
    """Excess-of-mass selection and labels (hdbscan's ``get_clusters`` and labelling)."""
    if not par:
        return np.full(n, -1, dtype=np.int64)
    root = n
    n_nodes = max(max(par), max(chi)) + 1
    birth = [0.0] * n_nodes
    kids: dict[int, list[int]] = {}
    size_of = {}
    for p, c, lv, s in zip(par, chi, lam, csz, strict=True):
        if s > 1:
            birth[c] = lv
            kids.setdefault(p, []).append(c)
            size_of[c] = s
    stability = dict.fromkeys(range(root, max(par) + 1), 0.0)
    for p, lv, s in zip(par, lam, csz, strict=True):
        stability[p] += (lv - birth[p]) * s
    limit = max_cluster_size if max_cluster_size > 0 else n + 1
    nodes = sorted(stability, reverse=True)[:-1]  # bottom-up; never the root
    keep = dict.fromkeys(nodes, True)
    for node in nodes:
        sub = np.float32(0.0)
        for c in kids.get(node, []):
            sub = np.float32(float(sub) + stability[c])
        if float(sub) > stability[node] or size_of.get(node, 0) > limit:
            keep[node] = False
            stability[node] = float(sub)
        else:
            todo = list(kids.get(node, []))
            while todo:
                c = todo.pop()
                keep[c] = False
                todo.extend(kids.get(c, []))
    chosen = sorted(c for c, k in keep.items() if k)
    number = {c: i for i, c in enumerate(chosen)}
    up = {c: p for p, c, s in zip(par, chi, csz, strict=True) if s > 1}
    owner = {root: -1}
    for c in range(root + 1, n_nodes):  # parents have smaller numbers than children
        owner[c] = number[c] if c in number else owner[up[c]]
    labels = np.full(n, -1, dtype=np.int64)
    for p, c, s in zip(par, chi, csz, strict=True):
        if s == 1:
            labels[c] = owner[p]
    return labels
