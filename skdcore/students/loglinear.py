"""Log-linear students S_θ = softmax(Φθ) for a fixed feature matrix Φ (V × d).

Notation: z = Φθ, S = softmax(z), Φ̄ = ΦᵀS (feature mean under S),
Ψ = Φ - 1Φ̄ᵀ (centred features), so ∂S/∂θ = diag(S)Ψ.

Forward, KL(q‖S_θ) = -qᵀΦθ + logsumexp(Φθ) - H(q)
--------------------------------------------------
Convex in θ: gradient Φᵀ(S - q), Hessian ΨᵀDiag(S)Ψ = Cov_S(Φ) ⪰ 0.  The
minimiser is **moment matching**, ΦᵀS = Φᵀq: the student reproduces the
target's feature means (the M-projection onto an exponential family).  It is
attained iff Φᵀq lies in the relative interior of the convex hull of Φ's rows
-- always for a target with full support when Φ has full column rank and
1 ∉ range(Φ); a target with zeros can push Φᵀq onto a face, and then θ runs
off to infinity (kind ``unattained``).  Solved by damped Newton from θ = 0.

Reverse, KL(S_θ‖q) = sum_i S_i (z_i - logsumexp(z) - log q_i)
--------------------------------------------------------------
With c = Φθ - log q and c̄ = E_S[c] (= the objective up to a constant),

    gradient  Ψᵀ (S ⊙ (c - c̄)),     Hessian  Ψᵀ Diag(S ⊙ (1 + c - c̄)) Ψ,

which is indefinite wherever c - c̄ < -1 carries weight: the reverse problem
is **not convex** (mode-seeking: it may lock onto either of two modes of q).
Solved by saddle-free Newton (Hessian eigenvalues replaced by their absolute
values) with backtracking from several starts: θ = 0, the forward solution,
starts leaning towards each of the ``starts`` most probable tokens, the
``starts`` lowest points of a coarse scan along rays out to the float64 range,
and ``starts`` seeded random starts at growing scales; the best local minimum is returned and ``note``
says how many starts reached it and which other minima were found.  Global
optimality is not certified (no finite search can).  A start that runs off
(spread of Φθ past :data:`UNATTAINED_SPREAD`, where float64 softmax entries
underflow), or stalls far out where the divergence is flat to rounding, at a
smaller divergence than every converged minimum makes the result ``unattained``: mode-seeking can prefer S_θ -> a vertex e_j, with the
infimum at infinity or beyond float64's reach (targets with entries near 1e-300).  Since every S_θ has full
support, KL(S_θ‖q) = +inf for all θ when q has a zero: the projection is then
``everything``.

High precision: :meth:`StudentClass.reference` solves in float64 first and
polishes the best θ by Newton's method in :mod:`skdcore.mp` (quadratic
convergence: a few steps reach 100 digits).
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import is_numpy_array
from ..information import kl_divergence
from .base import EVERYTHING, UNATTAINED, UNIQUE, Argmin, StudentClass, host

__all__ = ["LogLinear"]

UNATTAINED_SPREAD = 700.0  # max z - min z beyond which float64 softmax entries underflow: θ is running away
ARMIJO = 1e-4
RANDOM_START_SCALES = (1.0, 3.0, 10.0, 30.0)  # random starts θ ~ N(0, σ²): near and far basins
MODE_START_GAPS = (3.0, 30.0)  # how far a mode start raises its token's logit above the mean


class LogLinear(StudentClass):
    """softmax(Φθ), θ ∈ R^d, for a given Φ (V × d) or a seeded Gaussian Φ for each V."""

    def __init__(self, features=None, *, d: int | None = None, seed: int = 0, starts: int = 4):
        if features is None:
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
                raise ValueError(f"give a feature matrix or the number of features d >= 1, got d={d!r}")
            self.d, self._fixed = int(d), None
            self.spec = f"loglinear:d={self.d},seed={int(seed)}" + (f",starts={starts}" if starts != 4 else "")
        else:
            phi = np.asarray(features, dtype=np.float64)
            if phi.ndim != 2 or not np.all(np.isfinite(phi)):
                raise ValueError(f"features must be a finite V × d matrix, got shape {phi.shape}")
            self.d, self._fixed = phi.shape[1], phi
            self.spec = f"loglinear(Φ {phi.shape[0]}×{phi.shape[1]})"
        if isinstance(starts, bool) or not isinstance(starts, (int, np.integer)) or starts < 1:
            raise ValueError(f"starts must be a positive integer, got {starts!r}")
        self.seed, self.starts = int(seed), int(starts)
        self.summary = f"softmax(Φθ), Φ ∈ R^(V×{self.d}) " + ("given" if self._fixed is not None else f"Gaussian, seed {self.seed}")
        self._cache: dict[int, np.ndarray] = {}
        self._last_minima: tuple = (None, None)

    def features(self, V: int) -> np.ndarray:
        """Φ for vocabulary size V: the given matrix, or N(0, 1) entries from the generator seeded by (seed, V)."""
        if self._fixed is not None:
            if self._fixed.shape[0] != V:
                raise ValueError(f"the feature matrix has {self._fixed.shape[0]} rows but the target has V = {V}")
            return self._fixed
        if V not in self._cache:
            self._cache[V] = np.random.default_rng([self.seed, V]).standard_normal((V, self.d))
        return self._cache[V]

    # -- solving --------------------------------------------------------------

    def _solve(self, xp, q, direction):
        values = host(q)
        if direction == "reverse" and bool((values == 0).any()):
            return Argmin(EVERYTHING, None, xp.full((), math.inf, dtype=q.dtype))
        if is_numpy_array(q):
            return self._multistart(q, direction)
        from ..mp import to_float

        rounded = to_float(q)
        start = self.argmin(rounded / rounded.sum(), direction)
        if start.kind != UNIQUE:
            return Argmin(start.kind, None, xp.full((), math.inf, dtype=q.dtype), note=start.note)
        problem = _Problem(xp, xp.asarray(self.features(q.shape[-1])) * xp.ones((), dtype=q.dtype), q, direction)
        theta, status = _newton(problem, xp.asarray(np.asarray(start.parameters, dtype=np.float64)) * xp.ones((), dtype=q.dtype))
        if status != "converged":
            return Argmin(UNATTAINED, None, xp.full((), math.inf, dtype=q.dtype), note=f"high-precision polish: {status}")
        student = problem.student(theta)
        return Argmin(UNIQUE, student, problem.divergence(student), parameters=tuple(host(theta)),
                      note=f"{start.note}; polished at {xp.finfo(q.dtype).bits} bits")

    def _minima(self, q: np.ndarray, direction: str):
        """(θ, objective, student) of every converged start, best first; (objective, status,
        spread of Φθ) of the lowest start that did not converge (ran off or stalled;
        +inf if none); and the count of starts.  The last row's answer is kept:
        :meth:`sensitivity` asks again for the row :meth:`argmin` just solved."""
        key = (direction, q.tobytes())
        if self._last_minima[0] != key:
            self._last_minima = (key, self._search(q, direction))
        return self._last_minima[1]

    def _search(self, q: np.ndarray, direction: str):
        import array_api_compat.numpy as np_xp

        problem = _Problem(np_xp, self.features(q.shape[-1]), q, direction)
        starts = [np.zeros(self.d)]
        if direction == "reverse":
            forward = self.argmin(q, "forward")
            if forward.kind == UNIQUE:
                starts.append(np.asarray(forward.parameters, dtype=np.float64))
            modes = list(_mode_directions(problem.phi, q, self.starts).T)
            starts.extend(gap * m for m in modes for gap in MODE_START_GAPS)
            starts.extend(_ray_starts(problem, modes, self.starts))
            rng = np.random.default_rng([self.seed, q.size, 1])
            starts.extend(rng.standard_normal(self.d) * RANDOM_START_SCALES[i % len(RANDOM_START_SCALES)]
                          for i in range(self.starts))
        minima, escapes = [], []
        for theta0 in starts:
            theta, status = _newton(problem, theta0)
            student = problem.student(theta)
            if status == "converged":
                minima.append((theta, float(problem.divergence(student)), student))
            else:
                escapes.append((float(problem.divergence(student)), status, float(np.ptp(problem.phi @ theta))))
        minima.sort(key=lambda m: m[1])
        return minima, min(escapes, default=(math.inf, "", 0.0)), len(starts)

    def _multistart(self, q, direction):
        minima, (escape, status, spread), tried = self._minima(q, direction)
        lowest = minima[0][1] - 8 * np.finfo(np.float64).eps * (1 + abs(minima[0][1])) if minima else math.inf
        if escape < lowest:
            how = (f"ran off (spread of Φθ beyond {UNATTAINED_SPREAD:g}, past float64 softmax)" if status == "runs off"
                   else f"{status} with the divergence still falling, far out (spread of Φθ {spread:.4g})")
            best = f"; the best converged minimum is {minima[0][1]!r}" if minima else ""
            return Argmin(UNATTAINED, None, math.inf,
                          note=f"a start {how} reaching divergence {escape!r}{best}: the infimum is approached "
                               f"as θ grows without bound, beyond what float64 resolves")
        if not minima:
            return Argmin(UNATTAINED, None, math.inf, note="no start converged")
        theta, objective, student = minima[0]
        agree = sum(1 for m in minima if np.max(np.abs(m[2] - student)) <= 1e-6)
        others = sorted({round(m[1], 12) for m in minima if np.max(np.abs(m[2] - student)) > 1e-6})
        note = f"{agree} of {tried} starts reached this minimum" + (f"; other local minima at {others}" if others else "")
        if direction == "forward":
            note = "convex: Newton from θ = 0"
        return Argmin(UNIQUE, student.copy(), objective, parameters=tuple(float(t) for t in theta), note=note)  # the search is kept

    # -- perturbation ---------------------------------------------------------

    def sensitivity(self, q, result, bound, direction, eps):
        if result.kind != UNIQUE or np.any((q == 0) & (bound > 0)):
            return None
        import array_api_compat.numpy as np_xp

        problem = _Problem(np_xp, self.features(q.size), q, direction)
        theta = np.asarray(result.parameters, dtype=np.float64)
        _, _, hessian, s, psi = problem.pieces(theta)
        basis = _identifiable_directions(psi)
        reduced = basis.T @ hessian @ basis
        curvatures = np.linalg.eigvalsh(reduced)
        if curvatures.size and curvatures[0] <= q.size * eps * curvatures[-1]:
            return None  # flat to rounding in a direction that moves S: the infimum may lie at infinity
        # δS = Diag(S)Ψ δθ with δθ = B (BᵀHB)^-1 Bᵀ δg for a change δg of the gradient
        gradient_to_student = s[:, None] * psi @ basis @ np.linalg.inv(reduced) @ basis.T
        if direction == "forward":  # δg = -Ψᵀ δq (Ψᵀq = 0 at the optimum: renormalising q adds nothing)
            jacobian = gradient_to_student @ psi.T
        else:  # δg = -ΨᵀDiag(S) δ(log q) (ΨᵀS = 0: a shift of log q adds nothing)
            jacobian = gradient_to_student @ (psi.T * (s / q))
            minima, _, _ = self._minima(q, direction)
            rivals = [m[1] for m in minima if np.max(np.abs(m[2] - s)) > 1e-6]
            wobble = float(np.sum(s * bound / q)) * 2  # |δ objective| of each minimum, first order
            if rivals and min(rivals) - result.objective <= 2 * wobble:
                return None  # another local minimum could become the best within the box
        rounding = _solver_rounding(problem, theta, s, psi, gradient_to_student, eps)
        return 2 * (np.abs(jacobian) @ bound + rounding)


def _solver_rounding(problem: "_Problem", theta: np.ndarray, s: np.ndarray, psi: np.ndarray,
                     gradient_to_student: np.ndarray, eps: float) -> np.ndarray:
    """A first-order bound on |S_float - S_exact| from the float64 solver's rounding (unit ``eps``).

    The solver returns S_c = S(θ) + δ, where δ (|δ_i| <= S_i ρ_i) is the
    rounding of softmax(Φθ), off the family, and θ makes the *computed*
    gradient vanish: g(S_c) = r, r the rounding of forming the sums.  With
    M = ∂g/∂S (forward Ψᵀ; reverse ΨᵀDiag(1 + c - c̄), c = log S - log q)
    and G = ∂S/∂g, linearising g(S_c) - g(S*) = M(DΨ δθ + δ) = r gives

        S_c - S* = G r + (I - G M) δ,

    so δ is damped where the family can absorb it (I - GM = 0 when the family
    is the whole interior).  θ itself is a float: rounding it (and adding the
    last Newton step) moves it by eps|θ| in the family, |Diag(S)Ψ| eps|θ|
    (large for large θ: targets near the boundary).  Rounding bounds (Higham, ASNA §3; γ_n = n eps/(1 - n eps)):
    logits z = Φθ - max, |δz_i| <= γ_(d+1)(w_i + max w), w = |Φ||θ|;
    ρ_i = |δz_i| + sum_j S_j|δz_j| + γ_(V+3) (log-sum-exp and exp);
    forward |r| <= γ_V |Ψ|ᵀ(S + q); reverse |r| <= |Ψ|ᵀ(S ⊙ (eps|log q| + γ_V(|c| + |c̄|))).
    """
    V, d = problem.phi.shape

    def gamma(n):
        return n * eps / (1 - n * eps)

    w = np.abs(problem.phi) @ np.abs(theta)
    dz = gamma(d + 1) * (w + np.max(w))
    rho = dz + s @ dz + gamma(V + 3)
    if problem.direction == "forward":
        response = psi.T
        residual = gamma(V) * (np.abs(psi).T @ (s + problem.q))
    else:
        c = np.log(s) - problem.log_q
        mean = s @ c
        response = psi.T * (1 + c - mean)
        residual = np.abs(psi).T @ (s * (eps * np.abs(problem.log_q) + gamma(V) * (np.abs(c) + abs(mean))))
    absorbed = np.eye(V) - gradient_to_student @ response
    stored = (s[:, None] * np.abs(psi)) @ (eps * np.abs(theta))
    return np.abs(absorbed) @ (s * rho) + np.abs(gradient_to_student) @ residual + stored


def _mode_directions(phi: np.ndarray, q: np.ndarray, count: int) -> np.ndarray:
    """θ leaning towards each of the ``count`` most probable tokens of q (columns): the
    least-squares solutions of Φθ ≈ e_j - 1/V, one lstsq with several right-hand sides.
    Mode-seeking minima sit near modes of q (several when q is multimodal), and
    starts from θ = 0 or the forward solution tend to reach the same one."""
    V = q.size
    targets = np.eye(V)[:, np.argsort(-q, kind="stable")[:count]] - 1.0 / V
    return np.linalg.lstsq(phi, targets, rcond=None)[0]


def _ray_starts(problem: "_Problem", modes: list[np.ndarray], count: int) -> list[np.ndarray]:
    """The ``count`` lowest points of a coarse scan along rays: ±each coordinate axis of θ
    and each mode direction, at spreads of Φθ 1, 3, 9, ..., 729 (the float64 range).

    Far-out basins (students concentrated on a few tokens, θ of size 10-100)
    lie beyond the reach of starts near 0; one objective evaluation per point
    finds the rays that lead into them, and Newton refines the best.
    """
    d = problem.phi.shape[1]
    directions = [sign * axis for axis in np.eye(d) for sign in (1.0, -1.0)] + [m for m in modes if np.any(m)]
    best = []
    for u in directions:
        spread = float(np.ptp(problem.phi @ u))
        if spread == 0:
            continue
        points = [u * (3.0 ** k / spread) for k in range(7)]
        best.append(min((float(problem.value(theta)[0]), i, theta) for i, theta in enumerate(points)))
    best.sort(key=lambda b: b[:2])
    return [theta for _, _, theta in best[:count]]


def _identifiable_directions(psi: np.ndarray) -> np.ndarray:
    """An orthonormal basis B of range(Ψᵀ): the directions of θ that move S.

    S_θ changes to first order by Diag(S)Ψ δθ, which vanishes exactly on
    null(Ψ) = {v : Φv ∝ 1}: when the all-ones vector lies in range(Φ) (e.g.
    d = V), θ is identified only up to that subspace and the Hessian in θ is
    singular there, while S is still a smooth function of q.  Rank by the SVD
    threshold of ``numpy.linalg.matrix_rank`` (σ_max · max(V, d) · eps).
    """
    _, sigma, vt = np.linalg.svd(psi, full_matrices=False)
    rank = int(np.sum(sigma > sigma[0] * max(psi.shape) * np.finfo(np.float64).eps)) if sigma.size and sigma[0] > 0 else 0
    return vt[:rank].T


class _Problem:
    """Objective, gradient and Hessian of one projection in namespace ``xp``."""

    def __init__(self, xp, phi, q, direction: str):
        self.xp, self.phi, self.q, self.direction = xp, phi, q, direction
        if direction == "reverse":
            self.log_q = xp.log(q)

    def logits(self, theta):
        z = self.phi @ theta
        return z - self.xp.max(z)

    def student(self, theta):
        w = self.xp.exp(self.logits(theta))
        return w / self.xp.sum(w)

    def divergence(self, student):
        if self.direction == "forward":
            return kl_divergence(self.q, student, validate=False)
        return kl_divergence(student, self.q, validate=False)

    def value(self, theta):
        """The objective (forward: the cross-entropy, KL + H(q)) and the spread of Φθ."""
        xp = self.xp
        z = self.logits(theta)
        log_s = z - xp.log(xp.sum(xp.exp(z)))
        if self.direction == "forward":
            f = -xp.sum(self.q * log_s)
        else:
            f = xp.sum(xp.exp(log_s) * (log_s - self.log_q))
        return f, -xp.min(z)

    def pieces(self, theta):
        """(f, gradient, Hessian, S, Ψ) as host arrays (float64 or mpf objects)."""
        xp = self.xp
        z = self.logits(theta)
        log_s = z - xp.log(xp.sum(xp.exp(z)))
        s = xp.exp(log_s)
        psi = self.phi - xp.sum(s[:, None] * self.phi, axis=0)[None, :]
        if self.direction == "forward":
            f = -xp.sum(self.q * log_s)
            gradient = xp.sum((s - self.q)[:, None] * psi, axis=0)
            weight = s
        else:
            c = log_s - self.log_q
            f = xp.sum(s * c)
            gradient = xp.sum((s * (c - f))[:, None] * psi, axis=0)
            weight = s * (1 + c - f)
        hessian = xp.matrix_transpose(psi) @ (weight[:, None] * psi)
        return host(f)[()], host(gradient), host(hessian), host(s), host(psi)


def _newton_step(gradient, hessian, ctx=None):
    """The saddle-free Newton direction -|H|^-1 g (|H|: absolute eigenvalues, floored
    at 1e-12 of the largest in float64; at √eps of the largest in the mpmath
    context ``ctx`` for mpf objects, where the float64 start is already close
    and the polish must resolve curvatures far below float64's floor)."""
    if ctx is None:
        values, vectors = np.linalg.eigh(hessian)
        floor = 1e-12 * max(np.max(np.abs(values)), 1e-300)
        return -vectors @ ((vectors.T @ gradient) / np.maximum(np.abs(values), floor))
    values, vectors = ctx.eigsy(ctx.matrix(hessian.tolist()))
    floor = max(abs(v) for v in values) * ctx.sqrt(ctx.eps)
    coordinates = vectors.T * ctx.matrix(gradient.tolist())
    scaled = ctx.matrix([coordinates[i] / max(abs(values[i]), floor) for i in range(len(values))])
    step = vectors * scaled
    return np.array([-step[i] for i in range(len(gradient))], dtype=object)


def _newton(problem: _Problem, theta):
    """Saddle-free Newton with backtracking from ``theta``: (θ, status).

    ``converged``: the step fell below 64 eps (1 + |θ|) (that last step is
    taken), or below √eps (1 + |θ|) and stopped shrinking (the rounding floor
    of an ill-conditioned minimum: the noisy step is not taken);
    ``runs off``: the spread of Φθ passed :data:`UNATTAINED_SPREAD` (float64);
    ``stalled``: no descent step found, or 200 iterations.
    """
    xp = problem.xp
    eps = float(xp.finfo(problem.q.dtype).eps)
    ctx = None if is_numpy_array(problem.q) else xp.context
    previous = math.inf
    for _ in range(200):
        f, gradient, hessian, _, _ = problem.pieces(theta)
        step = _newton_step(gradient, hessian, ctx)
        size = max(abs(float(v)) for v in step)
        scale = 1 + max(abs(float(v)) for v in host(theta))
        direction = step if ctx is None else xp.asarray(step)
        if size <= 64 * eps * scale:  # the last step, taken: it is θ's first-order error
            return theta + direction, "converged"
        if size <= math.sqrt(eps) * scale and size > previous / 2:
            return theta, "converged"
        previous = size
        slope = float(np.dot(gradient.astype(np.float64), step.astype(np.float64)))
        noise = 8 * eps * (1 + abs(float(f)))
        t = 1.0
        while True:
            candidate = theta + t * direction
            value, spread = problem.value(candidate)
            if ctx is None and float(spread) > UNATTAINED_SPREAD:
                return candidate, "runs off"
            if float(value) <= float(f) + ARMIJO * t * slope or float(value) - float(f) <= noise:
                break
            t /= 2
            if t < 1e-12:
                return theta, "stalled"
        theta = candidate
    return theta, "stalled"
