"""High-precision array namespace backed by mpmath.

Any function written against the Python array API standard -- it obtains
``xp = array_api_compat.array_namespace(p)`` (or ``p.__array_namespace__()``)
and uses only ``xp.*`` functions and array methods -- can be re-executed at 50
or more decimal digits, so numerical counterexamples and reference values can
be certified::

    from skdcore import mp
    xp = mp.namespace(dps=60)
    p = xp.asarray(probs)      # exact: each float64/float32 becomes the equal mpf
    q = op(p, 0.5)             # op only uses xp.* calls
    q64 = mp.to_float(q)       # correctly rounded back to float64

``namespace(dps)`` returns one cached :class:`MPNamespace` per precision. Each
owns a private ``mpmath.MPContext``; the global ``mpmath.mp`` is never touched.
:class:`MPArray` wraps a NumPy array: ``dtype=object`` holding the context's
``mpf`` for the real dtype, ``numpy.bool_`` for bool, ``numpy.int64`` for
integers. Arrays of different namespaces never mix (``TypeError``).

Supported subset (array API 2023.12 names and signatures)
---------------------------------------------------------
creation     asarray zeros ones full empty *_like arange linspace eye
elementwise  abs negative positive sign square sqrt exp expm1 log log1p log2
             log10 floor ceil trunc round add subtract multiply divide pow
             maximum minimum clip isnan isinf isfinite signbit equal not_equal
             less less_equal greater greater_equal logical_and logical_or
             logical_xor logical_not bitwise_and bitwise_or bitwise_xor
             bitwise_invert floor_divide remainder (integers) where
reductions   sum prod max min mean argmax argmin any all count_nonzero
             cumulative_sum
manipulation reshape expand_dims squeeze broadcast_to broadcast_arrays stack
             concat take take_along_axis flip permute_dims moveaxis astype
             matrix_transpose
sorting/sets sort argsort unique_values nonzero
linear alg.  vecdot matmul
dtypes       isdtype result_type can_cast finfo iinfo, __array_namespace_info__
constants    e pi inf nan newaxis

Module functions: ``namespace(dps=50)``, ``from_float(a, dps=50)`` (=
``namespace(dps).asarray(a)``), ``to_float(x, dtype=numpy.float64)`` (correctly
rounded float16/32/64 NumPy array), ``to_numpy_object(x)`` (object-array copy).

Rounding
--------
Values are held at the context precision ``prec`` bits. add, subtract,
multiply, divide, sqrt are correctly rounded (mpmath); the other elementwise
functions are mpmath's at the context precision. sum, cumulative_sum, prod,
vecdot and matmul are correctly rounded (exact accumulation, one rounding, for
any exponent spread); mean divides the sum rounded to ``prec + 64`` bits by n.
Python floats and NumPy float16/32/64/longdouble values are converted exactly
whenever the context has at least the source's bits (float64: ``dps >= 15``);
``0.1`` means the double nearest 0.1, pass ``"0.1"`` for the decimal. Anything
else (long ints, strings, other contexts' mpf) is rounded to nearest-even.
NumPy arrays do not mix with MPArrays in operations (``TypeError``): convert
them with ``asarray`` first.

Deviations from the standard
----------------------------
* One real floating dtype per namespace (repr ``mpf[dps=50]``); ``float32`` and
  ``float64`` are aliases of it, so code that asks for float64 stays at high
  precision. No complex dtypes. ``int64`` (``int32`` is an alias) has NumPy
  int64 semantics. Mixed kinds promote bool < int64 < real (NumPy-like);
  arithmetic on two bool operands raises ``TypeError``.
* No underflow or overflow (mpmath exponents are unbounded), hence ``finfo``:
  ``eps = 2**(1 - prec)``, ``smallest_normal = 0`` (every positive value is
  normal), ``max = +inf``, ``min = -inf``, ``bits = prec``. These and the
  constants ``e, pi, inf, nan`` are context ``mpf`` scalars, not Python floats,
  so they keep full precision; they mix with MPArrays like Python numbers.
* No negative zero: ``-0.0`` converts to ``0``, ``x / 0`` treats the zero as
  ``+0`` and ``signbit(x)`` is ``x < 0``.
* IEEE results where mpmath differs: log, log1p, sqrt, pow outside the real
  domain give nan (never ``mpc``), ``log(0) = -inf``, division by zero gives
  ``+-inf`` or nan (never raises), pow follows the C99 special cases.
* sort/argsort are always stable and place NaN last (also when descending).
* floor_divide and remainder exist for integers only; no std/var, no
  linalg/fft extensions, no complex functions.
"""

from __future__ import annotations

import bisect
import functools
import math
import numbers
import operator
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np
from mpmath import libmp

try:
    from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple
except ImportError:  # NumPy < 2.0
    from numpy.core.numeric import normalize_axis_index, normalize_axis_tuple

__all__ = ["MPArray", "MPNamespace", "from_float", "namespace", "to_float", "to_numpy_object"]

_API_VERSION = "2023.12"
_KNOWN_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12")
_RND = libmp.round_nearest  # ties to even; libmp's own default would truncate
_FZERO, _FNAN, _FINF, _FNINF = libmp.fzero, libmp.fnan, libmp.finf, libmp.fninf
_MAX_SHIFT = 1 << 20  # exact running sums fall back to sorting beyond this bit spread
_BOOL, _INT, _REAL = 0, 1, 2  # kinds, in promotion order
_STORAGE = {_BOOL: np.dtype(bool), _INT: np.dtype(np.int64), _REAL: np.dtype(object)}


# --------------------------------------------------------------------------
# raw mpf helpers: libmp tuples (sign, man, exp, bc), explicit precision
# --------------------------------------------------------------------------

def _raw_from_number(v, prec):
    """Raw mpf of a scalar, rounded to ``prec`` (exact for floats if prec >= 53)."""
    if type(v) is float:  # the common case first
        raw = libmp.from_float(v)
        return raw if prec >= 53 else libmp.mpf_pos(raw, prec, _RND)
    if hasattr(v, "_mpf_"):
        return libmp.mpf_pos(v._mpf_, prec, _RND)
    if isinstance(v, (bool, np.bool_, int, np.integer)):
        return libmp.from_int(int(v), prec, _RND)
    if isinstance(v, np.floating) and v.dtype.itemsize > 8:  # longdouble
        if not np.isfinite(v):
            return libmp.from_float(float(v))
        p, q = v.as_integer_ratio()
        return libmp.from_rational(p, q, prec, _RND)
    if isinstance(v, (float, np.floating)):
        return libmp.mpf_pos(libmp.from_float(float(v)), prec, _RND)
    if isinstance(v, str):
        return libmp.from_str(v, prec, _RND)
    if isinstance(v, numbers.Rational):
        return libmp.from_rational(v.numerator, v.denominator, prec, _RND)
    raise TypeError(f"cannot convert {type(v).__name__} to a real mpf")


def _raw_to_float(raw, nmant, minexp, maxexp):
    """Round a raw mpf to the binary format (nmant, minexp, maxexp), ties to even.

    mpmath's own ``float()`` rounds to 53 bits before ``ldexp`` and so double
    rounds in the subnormal range; this rounds once, subnormals included.
    """
    sign, man, exp, bc = raw
    if not man:
        if raw == _FZERO:
            return 0.0
        return math.nan if raw == _FNAN else (-math.inf if raw == _FNINF else math.inf)
    q = max(exp + bc - 1, minexp) - nmant  # exponent of the unit in the last place
    if exp >= q:
        m = man << (exp - q)
    elif q - exp > bc:  # below half the smallest subnormal
        m = 0
    else:
        shift = q - exp
        m = man >> shift
        rem = man - (m << shift)
        half = 1 << (shift - 1)
        if rem > half or (rem == half and m & 1):
            m += 1
    r = math.inf if m.bit_length() + q > maxexp else math.ldexp(m, q)
    return -r if sign else r


def _sort_key(raw, width):
    """Integer key ordering raw mpfs: -inf < negatives < 0 < positives < inf < nan."""
    sign, man, exp, bc = raw
    if man:
        return (0, -1, -exp - bc, -man << (width - bc)) if sign else (0, 1, exp + bc, man << (width - bc))
    if raw == _FNAN:
        return (1, 0, 0, 0)
    return (0, {_FZERO: 0, _FINF: 2, _FNINF: -2}[raw], 0, 0)


def _raw_to_fraction(raw):
    sign, man, exp, _ = raw
    if not man and raw != _FZERO:
        raise ValueError("non-finite value where a finite number is required")
    f = Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)
    return -f if sign else f


def _special_add(special, x):
    return x if special is None else libmp.mpf_add(special, x, 53, _RND)


def _round_plus(man, exp, s, e, prec):
    """Round ``man*2**exp + s*2**e`` to prec bits."""
    if e >= exp:
        return libmp.from_man_exp(man + (s << (e - exp)), exp, prec, _RND)
    return libmp.from_man_exp((man << (exp - e)) + s, e, prec, _RND)


def _sum_sorted(terms, prec):
    """Correctly rounded sum of finite nonzero raw mpfs sorted by magnitude, descending.

    The sum is accumulated exactly; once the remaining terms are provably too
    small to move the rounding (checked by rounding the accumulator shifted by
    their bound both ways, which is rigorous since rounding is monotone), it
    stops, so huge exponent gaps cost nothing.
    """
    man, exp, n = 0, 0, len(terms)
    for i, (s, m, e, bc) in enumerate(terms):
        if man:
            bound = e + bc + (n - i).bit_length()  # |rest| < 2**bound
            top = exp + abs(man).bit_length()
            if bound <= top - prec - 3:
                low = exp + (man & -man).bit_length() - 1
                guard = min(low, top - prec - 1) - 2  # nearer rounding boundaries are acc itself
                e_test = max(bound, guard)
                lo = _round_plus(man, exp, -1, e_test, prec)
                hi = _round_plus(man, exp, 1, e_test, prec)
                if lo == hi:
                    return lo
                if bound < guard:  # acc is a tie; only the sign of the rest decides
                    rest = _sum_sorted(terms[i:], prec)
                    if rest == _FZERO:
                        return libmp.from_man_exp(man, exp, prec, _RND)
                    return lo if rest[0] else hi
        v = -m if s else m
        if not man:
            man, exp = v, e
        elif e >= exp:
            man += v << (e - exp)
        else:
            man, exp = (man << (exp - e)) + v, e
    return libmp.from_man_exp(man, exp, prec, _RND)


def _top(raw):
    return raw[2] + raw[3]


def _raw_sum(raws, prec):
    """Correctly rounded sum of raw mpfs with IEEE special values."""
    special, terms = None, []
    for x in raws:
        if x[1]:
            terms.append(x)
        elif x != _FZERO:
            special = _special_add(special, x)
    if special is not None:
        return special
    terms.sort(key=_top, reverse=True)
    return _sum_sorted(terms, prec)


def _raw_cumsum(raws, prec):
    """Correctly rounded prefix sums: exact running sum, sorted fallback for huge spreads."""
    out, special, man, exp = [], None, 0, 0
    for k, x in enumerate(raws):
        s, m, e, bc = x
        if not m:
            if x != _FZERO:
                special = _special_add(special, x)
        elif special is None:
            v = -m if s else m
            if not man:
                man, exp = v, e
            elif max(exp + abs(man).bit_length(), e + bc) - min(exp, e) > _MAX_SHIFT:
                return out + _cumsum_sorted(raws, k, prec)
            elif e >= exp:
                man += v << (e - exp)
            else:
                man, exp = (man << (exp - e)) + v, e
        out.append(special if special is not None else libmp.from_man_exp(man, exp, prec, _RND))
    return out


def _cumsum_sorted(raws, start, prec):
    """Prefix sums from ``start`` on, keeping the prefix sorted (cheap early exits)."""
    keyed = []  # (-top, k, raw), sorted
    out, special = [], None
    for k, x in enumerate(raws):
        if x[1]:
            bisect.insort(keyed, (-_top(x), k, x))
        elif x != _FZERO:
            special = _special_add(special, x)
        if k >= start:
            out.append(special if special is not None else
                       _sum_sorted([t[2] for t in keyed], prec))
    return out


def _tree_product(ints):
    while len(ints) > 1:
        pairs = [a * b for a, b in zip(ints[0::2], ints[1::2])]
        ints = pairs + ints[len(pairs) * 2:]
    return ints[0] if ints else 1


def _raw_prod(raws, prec):
    """Correctly rounded product (exact mantissa product, one rounding)."""
    sign, exp, mans, zero, infinite = 0, 0, [], False, False
    for x in raws:
        if x[1]:
            mans.append(x[1])
            exp += x[2]
        elif x == _FNAN:
            return _FNAN
        elif x == _FZERO:
            zero = True
            continue
        else:
            infinite = True
        sign ^= x[0]
    if infinite:
        return _FNAN if zero else (_FNINF if sign else _FINF)
    if zero:
        return _FZERO
    man = _tree_product(mans)
    return libmp.from_man_exp(-man if sign else man, exp, prec, _RND)


def _raw_dot(xs, ys, prec):
    return _raw_sum([libmp.mpf_mul(a, b) for a, b in zip(xs, ys)], prec)


# --------------------------------------------------------------------------
# elementwise kernels on mpf scalars of one context (IEEE-style semantics)
# --------------------------------------------------------------------------

def _k_log(ctx, x):
    return ctx.nan if x < 0 else ctx.log(x)


def _k_log2(ctx, x):
    return ctx.nan if x < 0 else ctx.log(x, 2)


def _k_log10(ctx, x):
    return ctx.nan if x < 0 else ctx.log(x, 10)


def _k_log1p(ctx, x):
    return ctx.nan if x < -1 else ctx.log1p(x)


def _k_sqrt(ctx, x):
    return ctx.nan if x < 0 else ctx.sqrt(x)


def _k_trunc(ctx, x):
    return ctx.floor(x) if x >= 0 else ctx.ceil(x)


def _k_divide(ctx, a, b):
    if b:
        return a / b
    if a != a or not a:
        return ctx.nan
    return ctx.inf if a > 0 else ctx.ninf


def _k_pow(ctx, a, b):
    """C99 pow with +0 as the only zero."""
    if not b or a == 1:
        return ctx.one
    if a != a or b != b:
        return ctx.nan
    if ctx.isinf(b):
        m = abs(a)
        if m == 1:
            return ctx.one
        return ctx.inf if (m > 1) == (b > 0) else ctx.zero
    exp_b = b._mpf_[2]  # normalized mantissa is odd: integral iff exp >= 0, odd iff exp == 0
    if ctx.isinf(a):
        if b < 0:
            return ctx.zero
        return ctx.ninf if a < 0 and exp_b == 0 else ctx.inf
    if not a:
        return ctx.inf if b < 0 else ctx.zero
    if a < 0 and exp_b < 0:
        return ctx.nan
    return a ** b


def _nan_propagating(pick):
    def kernel(ctx, a, b):
        if a != a or b != b:
            return ctx.nan
        return pick(a, b)
    return kernel


def _plain(f):
    """Kernel that does not need the context."""
    return lambda ctx, *args: f(*args)


# name: (category, real kernel or None, int64 implementation or None)
#   arith   numeric in, same kind out; int without an int impl is promoted to real
#   pred    real in, bool out; int/bool give the int impl applied to the data
#   compare any kinds, bool out; logical: bool in/out; bitwise: bool/int only
_ELEMENTWISE = {
    "abs": ("arith", _plain(abs), np.abs),
    "negative": ("arith", _plain(operator.neg), np.negative),
    "positive": ("arith", _plain(operator.pos), np.positive),
    "sign": ("arith", lambda c, x: c.sign(x), np.sign),
    "square": ("arith", _plain(lambda x: x * x), np.square),
    "sqrt": ("arith", _k_sqrt, None),
    "exp": ("arith", lambda c, x: c.exp(x), None),
    "expm1": ("arith", lambda c, x: c.expm1(x), None),
    "log": ("arith", _k_log, None),
    "log1p": ("arith", _k_log1p, None),
    "log2": ("arith", _k_log2, None),
    "log10": ("arith", _k_log10, None),
    "floor": ("arith", lambda c, x: c.floor(x), np.positive),
    "ceil": ("arith", lambda c, x: c.ceil(x), np.positive),
    "trunc": ("arith", _k_trunc, np.positive),
    "round": ("arith", lambda c, x: c.nint(x), np.positive),
    "isnan": ("pred", lambda c, x: x != x, lambda d: np.zeros(np.shape(d), bool)),
    "isinf": ("pred", lambda c, x: c.isinf(x), lambda d: np.zeros(np.shape(d), bool)),
    "isfinite": ("pred", lambda c, x: c.isfinite(x), lambda d: np.ones(np.shape(d), bool)),
    "signbit": ("pred", _plain(lambda x: x < 0), lambda d: np.less(d, 0)),
    "add": ("arith", _plain(operator.add), np.add),
    "subtract": ("arith", _plain(operator.sub), np.subtract),
    "multiply": ("arith", _plain(operator.mul), np.multiply),
    "divide": ("arith", _k_divide, None),
    "pow": ("arith", _k_pow, np.power),
    "maximum": ("arith", _nan_propagating(max), np.maximum),
    "minimum": ("arith", _nan_propagating(min), np.minimum),
    "floor_divide": ("arith", None, np.floor_divide),
    "remainder": ("arith", None, np.remainder),
    "equal": ("compare", _plain(operator.eq), np.equal),
    "not_equal": ("compare", _plain(operator.ne), np.not_equal),
    "less": ("compare", _plain(operator.lt), np.less),
    "less_equal": ("compare", _plain(operator.le), np.less_equal),
    "greater": ("compare", _plain(operator.gt), np.greater),
    "greater_equal": ("compare", _plain(operator.ge), np.greater_equal),
    "logical_and": ("logical", None, np.logical_and),
    "logical_or": ("logical", None, np.logical_or),
    "logical_xor": ("logical", None, np.logical_xor),
    "logical_not": ("logical", None, np.logical_not),
    "bitwise_and": ("bitwise", None, np.bitwise_and),
    "bitwise_or": ("bitwise", None, np.bitwise_or),
    "bitwise_xor": ("bitwise", None, np.bitwise_xor),
    "bitwise_invert": ("bitwise", None, np.invert),
}
_BINARY = {"add", "subtract", "multiply", "divide", "pow", "maximum", "minimum",
           "floor_divide", "remainder", "equal", "not_equal", "less", "less_equal",
           "greater", "greater_equal", "logical_and", "logical_or", "logical_xor",
           "bitwise_and", "bitwise_or", "bitwise_xor"}


def _object_map(fn, nin, dtype):
    """Broadcasting map of a Python scalar function; returns a ``dtype`` array."""
    base = np.frompyfunc(fn, nin, 1)

    def apply(*arrays):
        with np.errstate(all="ignore"):  # NaN handling is fn's business, not NumPy's
            return np.asarray(base(*arrays), dtype=dtype)
    return apply


# --------------------------------------------------------------------------
# dtypes and info objects
# --------------------------------------------------------------------------

class _DType:
    """A dtype of one namespace; compare by identity."""

    __slots__ = ("kind", "_label")

    def __init__(self, kind, label):
        self.kind, self._label = kind, label

    def __repr__(self):
        return self._label


@dataclass(frozen=True)
class FInfo:
    """finfo of the mpf dtype; values are context mpf scalars (see module docs)."""
    bits: int
    eps: object
    max: object
    min: object
    smallest_normal: object
    dtype: _DType


@dataclass(frozen=True)
class IInfo:
    bits: int
    max: int
    min: int
    dtype: _DType


class _Info:
    """``__array_namespace_info__()`` result."""

    def __init__(self, ns):
        self._ns = ns

    def capabilities(self):
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 64}

    def default_device(self):
        return "cpu"

    def devices(self):
        return ["cpu"]

    def default_dtypes(self, *, device=None):
        ns = self._ns
        return {"real floating": ns.float64, "complex floating": None,
                "integral": ns.int64, "indexing": ns.int64}

    def dtypes(self, *, device=None, kind=None):
        ns = self._ns
        out = {"bool": ns.bool, "int64": ns.int64, "float64": ns.float64}
        return {k: v for k, v in out.items() if kind is None or ns.isdtype(v, kind)}


# --------------------------------------------------------------------------
# the array
# --------------------------------------------------------------------------

class MPArray:
    """Array of one :class:`MPNamespace`; create it with ``xp.asarray``."""

    __slots__ = ("_data", "_ns")
    __array_ufunc__ = None  # NumPy operands defer to our reflected operators
    __hash__ = None

    def __init__(self, data, ns):
        self._data, self._ns = data, ns

    # attributes ---------------------------------------------------------
    @property
    def dtype(self):
        return self._ns._dtypes[_kind_of(self._data)]

    @property
    def shape(self):
        return self._data.shape

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def size(self):
        return self._data.size

    @property
    def device(self):
        return "cpu"

    @property
    def mT(self):
        if self.ndim < 2:
            raise ValueError("mT needs at least 2 dimensions")
        return MPArray(np.swapaxes(self._data, -1, -2), self._ns)

    @property
    def T(self):
        if self.ndim != 2:
            raise ValueError("T is defined for 2-d arrays only; use permute_dims or mT")
        return MPArray(self._data.T, self._ns)

    def __array_namespace__(self, *, api_version=None):
        if api_version is not None and api_version not in _KNOWN_VERSIONS:
            raise ValueError(f"unsupported array API version {api_version!r}")
        return self._ns

    def __array__(self, dtype=None, copy=None):
        raise TypeError("MPArray does not convert implicitly to NumPy; "
                        "use skdcore.mp.to_float(x) or skdcore.mp.to_numpy_object(x)")

    def to_numpy_object(self):
        """Same as the module function :func:`to_numpy_object` (not array API)."""
        return to_numpy_object(self)

    def to_device(self, device, /, *, stream=None):
        self._ns._check_device(device)
        return self

    # Python protocol ----------------------------------------------------
    def __len__(self):
        if not self.ndim:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __iter__(self):
        if not self.ndim:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def _item(self, what):
        if self.ndim:
            raise TypeError(f"{what} needs a 0-d array, got shape {self.shape}")
        return self._data[()]

    def __bool__(self):
        return bool(self._item("bool()"))

    def __float__(self):
        v = self._item("float()")
        return _raw_to_float(v._mpf_, 52, -1022, 1024) if hasattr(v, "_mpf_") else float(v)

    def __int__(self):
        return int(self._item("int()"))

    def __index__(self):
        if self.dtype is not self._ns.int64:
            raise TypeError("__index__ needs an integer array")
        return int(self._item("__index__"))

    def __repr__(self):
        if _kind_of(self._data) == _REAL and self.size:
            ctx = self._ns.context
            body = np.array2string(self._data, separator=", ",
                                   formatter={"all": lambda v: ctx.nstr(v, ctx.dps)})
        else:
            body = np.array2string(self._data, separator=", ")
        return f"MPArray({body}, dtype={self.dtype!r})"

    __str__ = __repr__

    # indexing -----------------------------------------------------------
    def _key(self, key):
        def conv(k):
            if isinstance(k, MPArray):
                self._ns._check(k)
                if _kind_of(k._data) == _REAL:
                    raise IndexError("arrays used as indices must be integer or bool")
                return k._data
            return k
        key = tuple(conv(k) for k in key) if isinstance(key, tuple) else (conv(key),)
        return key if any(k is Ellipsis for k in key) else key + (Ellipsis,)

    def __getitem__(self, key):
        return MPArray(self._data[self._key(key)], self._ns)  # Ellipsis keeps 0-d arrays

    def __setitem__(self, key, value):
        kind = _kind_of(self._data)
        if isinstance(value, MPArray):
            self._ns._check(value)
            if _kind_of(value._data) > kind:
                raise TypeError(f"cannot assign {value.dtype!r} values into a {self.dtype!r} array")
        self._data[self._key(key)] = self._ns._operand_data(value, kind)


def _kind_of(data):
    return {"O": _REAL, "b": _BOOL}.get(data.dtype.kind, _INT)


def _binary_dunder(fname, reflected):
    def method(self, other):
        if not _is_operand(other):
            return NotImplemented
        f = getattr(self._ns, fname)
        return f(other, self) if reflected else f(self, other)
    return method


def _inplace_dunder(fname):
    def method(self, other):
        res = getattr(self._ns, fname)(self, other)
        if res.dtype is not self.dtype or res.shape != self.shape:
            raise TypeError(f"in-place {fname} would change dtype or shape")
        self._data[...] = res._data
        return self
    return method


def _unary_dunder(fname):
    return lambda self: getattr(self._ns, fname)(self)


def _is_operand(v):
    return isinstance(v, (MPArray, int, float, np.generic, np.ndarray)) or hasattr(v, "_mpf_")


for _d, _f in {"add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
               "pow": "pow", "floordiv": "floor_divide", "mod": "remainder", "matmul": "matmul",
               "and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor"}.items():
    setattr(MPArray, f"__{_d}__", _binary_dunder(_f, False))
    setattr(MPArray, f"__r{_d}__", _binary_dunder(_f, True))
    setattr(MPArray, f"__i{_d}__", _inplace_dunder(_f))
for _d, _f in {"lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal",
               "eq": "equal", "ne": "not_equal"}.items():
    setattr(MPArray, f"__{_d}__", _binary_dunder(_f, False))
for _d, _f in {"neg": "negative", "pos": "positive", "abs": "abs", "invert": "bitwise_invert"}.items():
    setattr(MPArray, f"__{_d}__", _unary_dunder(_f))


# --------------------------------------------------------------------------
# the namespace
# --------------------------------------------------------------------------

def _elementwise_function(name, binary):
    if binary:
        def f(self, x1, x2, /):
            return self._elementwise(name, (x1, x2))
    else:
        def f(self, x, /):
            return self._elementwise(name, (x,))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise ``{name}`` (array API; see module docs for IEEE semantics)."
    return f


class MPNamespace:
    """Array API namespace at ``dps`` decimal digits; get it from :func:`namespace`."""

    __array_api_version__ = _API_VERSION
    newaxis = None

    def __init__(self, dps):
        ctx = mpmath.MPContext()
        ctx.dps = dps
        self.context, self.dps, self.prec = ctx, dps, ctx.prec
        self.__name__ = f"skdcore.mp[dps={dps}]"  # array_api_compat tells namespaces apart by name
        real = _DType(_REAL, f"mpf[dps={dps}]")
        integer = _DType(_INT, "int64")
        self.float64 = self.float32 = real
        self.int64 = self.int32 = integer
        self.bool = _DType(_BOOL, "bool")
        self._dtypes = {_BOOL: self.bool, _INT: integer, _REAL: real}
        self.e, self.pi, self.inf, self.nan = +ctx.e, +ctx.pi, ctx.inf, ctx.nan
        self._zero, self._one = ctx.zero, ctx.one
        self._ufuncs = {}

    def __repr__(self):
        return f"skdcore.mp.namespace(dps={self.dps})"

    def __reduce__(self):
        return namespace, (self.dps,)

    def __array_namespace_info__(self):
        return _Info(self)

    # internal conversions -------------------------------------------------
    def _mpf(self, v):
        return self.context.make_mpf(_raw_from_number(v, self.prec))

    def _check(self, x):
        if not isinstance(x, MPArray):
            raise TypeError(f"expected an MPArray of {self!r}, got {type(x).__name__}")
        if x._ns is not self:
            raise TypeError(f"cannot mix arrays of {x._ns!r} and {self!r}")
        return x

    def _d(self, x):
        return self._check(x)._data

    def _check_device(self, device):
        if device not in (None, "cpu"):
            raise ValueError(f"unsupported device {device!r}; only 'cpu'")

    def _kind(self, dtype):
        if dtype is None:
            return None
        if not isinstance(dtype, _DType) or self._dtypes[dtype.kind] is not dtype:
            raise TypeError(f"{dtype!r} is not a dtype of {self!r}")
        return dtype.kind

    def _ufunc(self, key, fn, nin, to_bool=False):
        """Cached elementwise map of ``fn(context, *scalars)`` over NumPy arrays."""
        uf = self._ufuncs.get(key)
        if uf is None:
            uf = self._ufuncs[key] = _object_map(functools.partial(fn, self.context), nin,
                                                 bool if to_bool else object)
        return uf

    def _wrap(self, data, kind):
        return MPArray(np.asarray(data, dtype=_STORAGE[kind]), self)

    def _convert(self, data, kind, to):
        """Storage ``data`` of ``kind`` converted to kind ``to`` (may return data itself)."""
        if kind == to:
            return data
        if to == _REAL:
            return self._ufunc("from_int", lambda c, v: c.mpf(int(v)), 1)(data)
        if to == _BOOL:
            return data != 0 if kind == _INT else self._ufunc("to_bool", lambda c, v: bool(v), 1, True)(data)
        if kind == _BOOL:
            return data.astype(np.int64)
        try:  # real -> int64: truncation toward zero
            return _object_map(int, 1, object)(data).astype(np.int64)
        except (ValueError, OverflowError) as err:
            raise ValueError(f"cannot cast to int64: {err}") from None

    def _operand_data(self, v, kind):
        """Data of an operand (MPArray of this namespace or scalar) as ``kind``."""
        if isinstance(v, MPArray):
            self._check(v)
            return self._convert(v._data, _kind_of(v._data), kind)
        if isinstance(v, np.ndarray):
            raise TypeError("NumPy arrays do not mix with MPArrays; convert with xp.asarray first")
        if kind == _REAL:
            return np.array(self._mpf(v), dtype=object)
        return np.array(int(v) if kind == _INT else bool(v), dtype=_STORAGE[kind])

    def _scalar_kind(self, v):
        if isinstance(v, (bool, np.bool_)):
            return _BOOL
        if isinstance(v, (int, np.integer)):
            return _INT
        if isinstance(v, (float, np.floating)) or hasattr(v, "_mpf_"):
            return _REAL
        raise TypeError(f"unsupported operand type {type(v).__name__}")

    def _common_kind(self, operands):
        kinds = []
        for v in operands:
            if isinstance(v, MPArray):
                kinds.append(_kind_of(self._check(v)._data))
            elif isinstance(v, np.ndarray):
                raise TypeError("NumPy arrays do not mix with MPArrays; convert with xp.asarray first")
            else:
                kinds.append(self._scalar_kind(v))
        return max(kinds)

    def _elementwise(self, name, args):
        category, real_fn, int_fn = _ELEMENTWISE[name]
        kind = self._common_kind(args)
        if category == "logical":
            return self._wrap(int_fn(*(self._operand_data(a, _BOOL) for a in args)), _BOOL)
        if category == "bitwise":
            if kind == _REAL:
                raise TypeError(f"{name} needs bool or integer operands")
            return self._wrap(int_fn(*(self._operand_data(a, kind) for a in args)), kind)
        if category == "arith" and kind == _BOOL:
            raise TypeError(f"{name} is not defined for bool operands")
        if kind != _REAL and (category == "compare" or int_fn is not None):
            out = int_fn(*(self._operand_data(a, kind) for a in args))
            return self._wrap(out, _BOOL if category != "arith" else kind)
        if real_fn is None:
            raise TypeError(f"{name} is not supported for the mpf dtype")
        uf = self._ufunc(name, real_fn, len(args), to_bool=category != "arith")
        out = uf(*(self._operand_data(a, _REAL) for a in args))
        return self._wrap(out, _REAL if category == "arith" else _BOOL)

    # creation ---------------------------------------------------------------
    def asarray(self, obj, /, *, dtype=None, device=None, copy=None):
        """Convert scalars, nested sequences, NumPy arrays, mpf values, strings or MPArrays.

        Floats (any NumPy float dtype) are converted exactly when prec >= 53;
        strings are parsed at the context precision. An MPArray of another
        namespace is rounded to this precision.
        """
        self._check_device(device)
        to = self._kind(dtype)
        if isinstance(obj, MPArray) and obj._ns is self:
            kind, data = _kind_of(obj._data), obj._data
            out = self._convert(data, kind, kind if to is None else to)
            if out is data:
                if copy:
                    out = data.copy()
                else:
                    return obj
            elif copy is False:
                raise ValueError("asarray(copy=False) would need a conversion")
            return MPArray(out, self)
        if copy is False:
            raise ValueError("asarray(copy=False) would need a conversion")
        data, kind = self._from_object(obj)
        return MPArray(self._convert(data, kind, kind if to is None else to), self)

    def _from_object(self, obj):
        if isinstance(obj, MPArray):  # another namespace: round to this precision
            obj = obj._data
        if isinstance(obj, (np.ndarray, np.generic)):
            arr = np.asarray(obj)
            k = arr.dtype.kind
            if k == "b":
                return arr.astype(bool), _BOOL
            if k in "iu":
                if k == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
                    raise OverflowError("unsigned values exceed the int64 range")
                return arr.astype(np.int64), _INT
            if k == "c":
                raise TypeError("complex values are not supported")
            if k == "f":  # astype(object): exact Python floats (longdouble stays NumPy)
                return self._ufunc("from_any", lambda c, v: self._mpf(v), 1)(arr.astype(object)), _REAL
        arr = np.array(_unwrap(obj), dtype=object)
        flat = arr.ravel()
        kinds = {self._element_kind(v) for v in flat}
        kind = max(kinds) if kinds else _REAL
        if kind == _REAL:
            return self._ufunc("from_any", lambda c, v: self._mpf(v), 1)(arr), _REAL
        return arr.astype(_STORAGE[kind]), kind

    def _element_kind(self, v):
        if isinstance(v, (list, tuple)):
            raise ValueError("nested sequences have inconsistent lengths")
        if isinstance(v, str) or (isinstance(v, numbers.Rational) and not isinstance(v, numbers.Integral)):
            return _REAL
        return self._scalar_kind(v)

    def _fill(self, shape, value, kind):
        data = np.empty(shape, dtype=_STORAGE[kind])
        data[...] = self._operand_data(value, kind)
        return MPArray(data, self)

    def _default_kind(self, dtype, fallback=_REAL):
        kind = self._kind(dtype)
        return fallback if kind is None else kind

    def zeros(self, shape, *, dtype=None, device=None):
        self._check_device(device)
        return self._fill(shape, 0, self._default_kind(dtype))

    def ones(self, shape, *, dtype=None, device=None):
        self._check_device(device)
        return self._fill(shape, 1, self._default_kind(dtype))

    empty = zeros

    def full(self, shape, fill_value, *, dtype=None, device=None):
        self._check_device(device)
        kind = self._kind(dtype)
        if kind is None:
            kind = (_kind_of(self._check(fill_value)._data) if isinstance(fill_value, MPArray)
                    else self._scalar_kind(fill_value))
        if isinstance(fill_value, MPArray):
            fill_value = fill_value._data[()] if fill_value.ndim == 0 else fill_value
        return self._fill(shape, fill_value, kind)

    def zeros_like(self, x, /, *, dtype=None, device=None):
        return self.zeros(self._check(x).shape, dtype=dtype or x.dtype, device=device)

    def ones_like(self, x, /, *, dtype=None, device=None):
        return self.ones(self._check(x).shape, dtype=dtype or x.dtype, device=device)

    empty_like = zeros_like

    def full_like(self, x, /, fill_value, *, dtype=None, device=None):
        return self.full(self._check(x).shape, fill_value, dtype=dtype or x.dtype, device=device)

    def arange(self, start, /, stop=None, step=1, *, dtype=None, device=None):
        self._check_device(device)
        if stop is None:
            start, stop = 0, start
        kind = self._kind(dtype)
        if kind is None:
            kind = max(_INT, *(self._scalar_kind(v) for v in (start, stop, step)))
        if kind != _REAL:
            return MPArray(np.arange(int(start), int(stop), int(step), dtype=_STORAGE[kind]), self)
        a, b, h = (_raw_from_number(v, self.prec) for v in (start, stop, step))
        fa, fb, fh = map(_raw_to_fraction, (a, b, h))
        if not fh:
            raise ValueError("arange step must be nonzero")
        n = max(0, math.ceil((fb - fa) / fh))
        make = self.context.make_mpf
        vals = [make(libmp.mpf_add(a, libmp.mpf_mul(libmp.from_int(i), h), self.prec, _RND))
                for i in range(n)]
        return self._from_list(vals, (n,))

    def _from_list(self, vals, shape):
        data = np.empty(len(vals), dtype=object)
        data[:] = vals
        return MPArray(data.reshape(shape), self)

    def linspace(self, start, stop, /, num, *, dtype=None, device=None, endpoint=True):
        """Evenly spaced values, each the correctly rounded exact rational."""
        self._check_device(device)
        if self._default_kind(dtype) != _REAL:
            raise TypeError("linspace needs the real dtype")
        fa, fb = (_raw_to_fraction(_raw_from_number(v, self.prec)) for v in (start, stop))
        div = num - 1 if endpoint else num
        make = self.context.make_mpf
        vals = []
        for i in range(num):
            f = fa + (fb - fa) * i / div if div else fa
            vals.append(make(libmp.from_rational(f.numerator, f.denominator, self.prec, _RND)))
        return self._from_list(vals, (num,))

    def eye(self, n_rows, n_cols=None, /, *, k=0, dtype=None, device=None):
        self._check_device(device)
        mask = np.eye(n_rows, n_cols, k=k, dtype=bool)
        out = self.zeros(mask.shape, dtype=dtype)
        out._data[mask] = self._operand_data(1, _kind_of(out._data))
        return out

    # dtypes -----------------------------------------------------------------
    def isdtype(self, dtype, kind):
        if isinstance(kind, tuple):
            return any(self.isdtype(dtype, k) for k in kind)
        if isinstance(kind, _DType):
            return dtype is kind
        k = self._kind(dtype)
        table = {"bool": {_BOOL}, "signed integer": {_INT}, "unsigned integer": set(),
                 "integral": {_INT}, "real floating": {_REAL}, "complex floating": set(),
                 "numeric": {_INT, _REAL}}
        if kind not in table:
            raise ValueError(f"unknown dtype kind {kind!r}")
        return k in table[kind]

    def result_type(self, *arrays_and_dtypes):
        kinds = [self._kind(a) if isinstance(a, _DType) else self._common_kind([a])
                 for a in arrays_and_dtypes]
        if not kinds:
            raise ValueError("result_type needs at least one argument")
        return self._dtypes[max(kinds)]

    def can_cast(self, from_, to, /):
        src = _kind_of(self._check(from_)._data) if isinstance(from_, MPArray) else self._kind(from_)
        return src <= self._kind(to)

    def finfo(self, type, /):
        kind = _kind_of(self._check(type)._data) if isinstance(type, MPArray) else self._kind(type)
        if kind != _REAL:
            raise ValueError("finfo needs the real floating dtype")
        ctx = self.context
        return FInfo(bits=self.prec, eps=ctx.ldexp(ctx.one, 1 - self.prec), max=ctx.inf,
                     min=ctx.ninf, smallest_normal=ctx.zero, dtype=self.float64)

    def iinfo(self, type, /):
        kind = _kind_of(self._check(type)._data) if isinstance(type, MPArray) else self._kind(type)
        if kind != _INT:
            raise ValueError("iinfo needs the integer dtype")
        i = np.iinfo(np.int64)
        return IInfo(bits=64, max=int(i.max), min=int(i.min), dtype=self.int64)

    def astype(self, x, dtype, /, *, copy=True, device=None):
        self._check_device(device)
        kind = _kind_of(self._check(x)._data)
        out = self._convert(x._data, kind, self._kind(dtype))
        if out is x._data:
            return MPArray(out.copy(), self) if copy else x
        return MPArray(out, self)

    # reductions -------------------------------------------------------------
    def _rows(self, x, axis):
        """(rows, outer shape, reduced axes): the reduced axes flattened last."""
        data = self._d(x)
        axes = normalize_axis_tuple(tuple(range(data.ndim)) if axis is None else axis, data.ndim)
        keep = [i for i in range(data.ndim) if i not in axes]
        moved = np.transpose(data, keep + list(axes))
        outer = moved.shape[:len(keep)]
        rows = moved.reshape(math.prod(outer), math.prod(data.shape[i] for i in axes))
        return rows, outer, axes

    def _reduce(self, x, axis, keepdims, row_fn, kind):
        rows, outer, axes = self._rows(x, axis)
        out = np.empty(rows.shape[0], dtype=_STORAGE[kind])
        for i, row in enumerate(rows):
            out[i] = row_fn(row)
        out = out.reshape(outer)
        return MPArray(np.expand_dims(out, axes) if keepdims else out, self)

    def _raw_reduce(self, x, axis, keepdims, raw_fn):
        make = self.context.make_mpf
        return self._reduce(x, axis, keepdims, lambda r: make(raw_fn([v._mpf_ for v in r])), _REAL)

    def _numeric(self, x, dtype):
        self._check(x)
        kind = self._kind(dtype)
        if kind is None:
            kind = max(_kind_of(x._data), _INT)
        if kind == _BOOL:
            raise TypeError("cannot accumulate into bool")
        return x if kind == _kind_of(x._data) else self.astype(x, self._dtypes[kind])

    def sum(self, x, /, *, axis=None, dtype=None, keepdims=False):
        """Correctly rounded sum (exact accumulation, one rounding)."""
        x = self._numeric(x, dtype)
        if _kind_of(x._data) == _INT:
            return self._int_reduce(np.sum, x, axis, keepdims)
        return self._raw_reduce(x, axis, keepdims, functools.partial(_raw_sum, prec=self.prec))

    def prod(self, x, /, *, axis=None, dtype=None, keepdims=False):
        """Correctly rounded product (exact mantissa product, one rounding)."""
        x = self._numeric(x, dtype)
        if _kind_of(x._data) == _INT:
            return self._int_reduce(np.prod, x, axis, keepdims)
        return self._raw_reduce(x, axis, keepdims, functools.partial(_raw_prod, prec=self.prec))

    def mean(self, x, /, *, axis=None, keepdims=False):
        """Sum rounded to prec + 64 bits, divided by the count (nan if empty)."""
        x = self._numeric(x, self.float64)
        hi, prec = self.prec + 64, self.prec

        def mean_row(r):
            if not len(r):
                return _FNAN
            return libmp.mpf_div(_raw_sum(r, hi), libmp.from_int(len(r)), prec, _RND)
        return self._raw_reduce(x, axis, keepdims, mean_row)

    def _int_reduce(self, fn, x, axis, keepdims):
        axes = normalize_axis_tuple(tuple(range(x.ndim)) if axis is None else axis, x.ndim)
        return MPArray(np.asarray(fn(x._data, axis=axes, keepdims=keepdims)), self)

    def _extreme(self, x, axis, keepdims, pick, name):
        shape = self._d(x).shape
        if not x.size or (axis is not None and 0 in (shape[a] for a in normalize_axis_tuple(axis, x.ndim))):
            raise ValueError(f"{name} of an empty array or axis")
        if _kind_of(x._data) != _REAL:
            return self._int_reduce(np.max if pick is max else np.min, x, axis, keepdims)
        nan = self.nan
        return self._reduce(x, axis, keepdims,
                            lambda r: nan if any(v != v for v in r) else pick(r), _REAL)

    def max(self, x, /, *, axis=None, keepdims=False):
        """Maximum; NaN propagates."""
        return self._extreme(x, axis, keepdims, max, "max")

    def min(self, x, /, *, axis=None, keepdims=False):
        """Minimum; NaN propagates."""
        return self._extreme(x, axis, keepdims, min, "min")

    def _arg_extreme(self, x, axis, keepdims, better):
        data = self._d(x)
        if not (data.size if axis is None else data.shape[normalize_axis_index(axis, data.ndim)]):
            raise ValueError("argmax/argmin of an empty array or axis")

        def arg(row):
            best = 0
            for i, v in enumerate(row):
                if v != v:  # the first NaN wins, as in NumPy
                    return i
                if better(v, row[best]):
                    best = i
            return best
        if axis is not None:
            return self._reduce(x, axis, keepdims, arg, _INT)
        out = self._reduce(MPArray(data.reshape(-1), self), 0, False, arg, _INT)
        return MPArray(out._data.reshape((1,) * data.ndim), self) if keepdims else out

    def argmax(self, x, /, *, axis=None, keepdims=False):
        """Index of the first maximum (first NaN if any)."""
        return self._arg_extreme(x, axis, keepdims, operator.gt)

    def argmin(self, x, /, *, axis=None, keepdims=False):
        """Index of the first minimum (first NaN if any)."""
        return self._arg_extreme(x, axis, keepdims, operator.lt)

    def any(self, x, /, *, axis=None, keepdims=False):
        return self._int_reduce(np.any, self.astype(x, self.bool, copy=False), axis, keepdims)

    def all(self, x, /, *, axis=None, keepdims=False):
        return self._int_reduce(np.all, self.astype(x, self.bool, copy=False), axis, keepdims)

    def count_nonzero(self, x, /, *, axis=None, keepdims=False):
        b = self.astype(x, self.bool, copy=False)
        return self._int_reduce(functools.partial(np.sum, dtype=np.int64), b, axis, keepdims)

    def cumulative_sum(self, x, /, *, axis=None, dtype=None, include_initial=False):
        """Correctly rounded prefix sums along ``axis`` (optional for 1-d input)."""
        x = self._numeric(x, dtype)
        if axis is None:
            if x.ndim != 1:
                raise ValueError("cumulative_sum needs axis for arrays with ndim != 1")
            axis = 0
        axis = normalize_axis_index(axis, x.ndim)
        data = np.moveaxis(x._data, axis, -1)
        if _kind_of(data) == _INT:
            out = np.cumsum(data, axis=-1)
            zero = np.zeros(data.shape[:-1] + (1,), np.int64)
        else:
            rows = data.reshape(math.prod(data.shape[:-1]), data.shape[-1])
            out = np.empty(rows.shape, dtype=object)
            make = self.context.make_mpf
            for i, row in enumerate(rows):
                out[i, :] = [make(r) for r in _raw_cumsum([v._mpf_ for v in row], self.prec)]
            out = out.reshape(data.shape)
            zero = np.full(data.shape[:-1] + (1,), self._zero, dtype=object)
        if include_initial:
            out = np.concatenate([zero, out], axis=-1)
        return MPArray(np.moveaxis(out, -1, axis), self)

    # linear algebra ---------------------------------------------------------
    def vecdot(self, x1, x2, /, *, axis=-1):
        """Correctly rounded dot product along ``axis`` (after broadcasting)."""
        a, b = self.broadcast_arrays(self.astype(x1, self.float64, copy=False),
                                     self.astype(x2, self.float64, copy=False))
        a, b = (np.moveaxis(t._data, axis, -1) for t in (a, b))
        out = np.empty(a.shape[:-1], dtype=object)
        make, prec = self.context.make_mpf, self.prec
        for idx in np.ndindex(out.shape):
            out[idx] = make(_raw_dot([v._mpf_ for v in a[idx]], [v._mpf_ for v in b[idx]], prec))
        return MPArray(out, self)

    def matmul(self, x1, x2, /):
        """Matrix product with correctly rounded entries (NumPy shape rules)."""
        a, b = self._check(x1), self._check(x2)
        if not a.ndim or not b.ndim:
            raise ValueError("matmul needs arrays with at least one dimension")
        a2 = a if a.ndim > 1 else self.expand_dims(a, axis=0)
        b2 = b if b.ndim > 1 else self.expand_dims(b, axis=1)
        if a2.shape[-1] != b2.shape[-2]:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align")
        out = self.vecdot(self.expand_dims(a2, axis=-2), self.expand_dims(b2.mT, axis=-3), axis=-1)
        if a.ndim == 1:
            out = self.squeeze(out, axis=-2)
        if b.ndim == 1:
            out = self.squeeze(out, axis=-1)
        return out

    def matrix_transpose(self, x, /):
        return self._check(x).mT

    # manipulation -----------------------------------------------------------
    def reshape(self, x, /, shape, *, copy=None):
        data = self._d(x)
        out = np.reshape(data.copy() if copy else data, shape)
        if copy is False and data.size and not np.shares_memory(out, data):
            raise ValueError("reshape(copy=False) would need a copy")
        return MPArray(out, self)

    def expand_dims(self, x, /, *, axis=0):
        return MPArray(np.expand_dims(self._d(x), axis), self)

    def squeeze(self, x, /, axis):
        return MPArray(np.squeeze(self._d(x), axis), self)

    def broadcast_to(self, x, /, shape):
        return MPArray(np.broadcast_to(self._d(x), shape), self)

    def broadcast_arrays(self, *arrays):
        return [MPArray(d, self) for d in np.broadcast_arrays(*map(self._d, arrays))]

    def flip(self, x, /, *, axis=None):
        return MPArray(np.flip(self._d(x), axis), self)

    def permute_dims(self, x, /, axes):
        return MPArray(np.transpose(self._d(x), axes), self)

    def moveaxis(self, x, source, destination, /):
        return MPArray(np.moveaxis(self._d(x), source, destination), self)

    def _joined(self, arrays):
        kind = self._common_kind([self._check(a) for a in arrays])
        return [self._operand_data(a, kind) for a in arrays], kind

    def stack(self, arrays, /, *, axis=0):
        datas, kind = self._joined(arrays)
        return self._wrap(np.stack(datas, axis=axis), kind)

    def concat(self, arrays, /, *, axis=0):
        datas, kind = self._joined(arrays)
        if axis is None:
            datas = [d.reshape(-1) for d in datas]
            axis = 0
        return self._wrap(np.concatenate(datas, axis=axis), kind)

    def _indices(self, indices):
        if not isinstance(indices, MPArray) or _kind_of(self._check(indices)._data) != _INT:
            raise TypeError("indices must be an int64 MPArray")
        return indices._data

    def take(self, x, indices, /, *, axis=None):
        data = self._d(x)
        if axis is None:
            if data.ndim != 1:
                raise ValueError("take needs axis for arrays with ndim != 1")
            axis = 0
        return MPArray(np.take(data, self._indices(indices), axis=axis), self)

    def take_along_axis(self, x, indices, /, *, axis=-1):
        return MPArray(np.take_along_axis(self._d(x), self._indices(indices), axis=axis), self)

    def where(self, condition, x1, x2, /):
        """Elementwise select; x1 and x2 may be Python scalars."""
        cond = self._d(condition)
        if _kind_of(cond) != _BOOL:
            raise TypeError("where needs a bool condition")
        kind = self._common_kind([x1, x2])
        return self._wrap(np.where(cond, self._operand_data(x1, kind),
                                   self._operand_data(x2, kind)), kind)

    def clip(self, x, /, min=None, max=None):
        """Clip to [min, max]; NaN in x or a bound propagates."""
        out = self._check(x)
        if min is not None:
            out = self.maximum(out, min)
        if max is not None:
            out = self.minimum(out, max)
        return out if out is not x else self.asarray(x, copy=True)

    # sorting and sets -------------------------------------------------------
    def argsort(self, x, /, *, axis=-1, descending=False, stable=True):
        """Stable argsort; NaN last in both directions."""
        data = np.moveaxis(self._d(x), axis, -1)
        n = data.shape[-1]
        rows = data.reshape(math.prod(data.shape[:-1]), n)
        out = np.empty(rows.shape, dtype=np.int64)
        real = _kind_of(data) == _REAL
        for i, row in enumerate(rows):
            if real:
                raws = [v._mpf_ for v in row]
                width = max((r[3] for r in raws), default=0)
                keys = [_sort_key(r, width) for r in raws]
                if descending:
                    keys = [(f, -c, -a, -b) for f, c, a, b in keys]
            else:
                keys = [-v for v in row.tolist()] if descending else row.tolist()
            out[i] = sorted(range(n), key=keys.__getitem__)
        return MPArray(np.moveaxis(out.reshape(data.shape), -1, axis), self)

    def sort(self, x, /, *, axis=-1, descending=False, stable=True):
        """Stable sort; NaN last in both directions."""
        idx = self.argsort(x, axis=axis, descending=descending)
        return MPArray(np.take_along_axis(x._data, idx._data, axis=axis), self)

    def unique_values(self, x, /):
        """Sorted distinct values; every NaN is distinct."""
        s = self.sort(self.reshape(x, (-1,)))._data
        keep = np.ones(len(s), dtype=bool)
        if len(s) > 1:
            keep[1:] = np.asarray(np.not_equal(s[1:], s[:-1]), dtype=bool)
        return MPArray(s[keep], self)

    def nonzero(self, x, /):
        b = self.astype(x, self.bool, copy=False)._data
        if not b.ndim:
            raise ValueError("nonzero is not defined for 0-d arrays")
        return tuple(MPArray(i.astype(np.int64), self) for i in np.nonzero(b))


for _name in _ELEMENTWISE:
    setattr(MPNamespace, _name, _elementwise_function(_name, _name in _BINARY))


def _unwrap(obj):
    """Nested sequences with MPArrays and NumPy arrays replaced by nested lists."""
    if isinstance(obj, MPArray):
        return obj._data.tolist()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (list, tuple)):
        return [_unwrap(o) for o in obj]
    return obj


# --------------------------------------------------------------------------
# module-level API
# --------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _namespace(dps):
    return MPNamespace(dps)


def namespace(dps=50):
    """The cached :class:`MPNamespace` working at ``dps`` decimal digits."""
    if isinstance(dps, bool) or not isinstance(dps, numbers.Integral) or dps < 1:
        raise ValueError(f"dps must be a positive integer, got {dps!r}")
    return _namespace(int(dps))


_FLOAT_FORMATS = {np.dtype(t): (np.finfo(t).nmant, int(np.finfo(t).minexp), int(np.finfo(t).maxexp))
                  for t in (np.float16, np.float32, np.float64)}


def to_float(x, dtype=np.float64):
    """NumPy array of ``x`` rounded to nearest-even in ``dtype`` (float16/32/64).

    Correct in the subnormal range and overflows to +-inf. mpf scalars give a
    NumPy scalar.
    """
    dt = np.dtype(dtype)
    if dt not in _FLOAT_FORMATS:
        raise TypeError(f"to_float supports float16, float32 and float64, not {dt}")
    fmt = _FLOAT_FORMATS[dt]
    if hasattr(x, "_mpf_"):
        return dt.type(_raw_to_float(x._mpf_, *fmt))
    if not isinstance(x, MPArray):
        raise TypeError("to_float needs an MPArray or an mpf")
    if _kind_of(x._data) != _REAL:
        return x._data.astype(dt)
    return _object_map(lambda v: _raw_to_float(v._mpf_, *fmt), 1, np.float64)(x._data).astype(dt)


def to_numpy_object(x):
    """A copy of ``x`` as a NumPy object array (mpf, Python int or bool elements)."""
    if not isinstance(x, MPArray):
        raise TypeError("to_numpy_object needs an MPArray")
    return x._data.astype(object)  # astype always copies


def from_float(a, dps=50):
    """``namespace(dps).asarray(a)``: exact for float16/32/64 data when dps >= 15."""
    return namespace(dps).asarray(a)
