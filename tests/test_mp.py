"""Tests of skdcore.mp against mpmath, exact rational arithmetic and NumPy float64.

References are never values the code under test just computed: exact results
come from ``fractions.Fraction`` rounded by mpmath's ``from_rational``, float
rounding from CPython's correctly rounded ``float(Fraction)`` or from the exact
distance to float32 neighbours, special values from NumPy's IEEE arithmetic.
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction

import array_api_compat
import hypothesis.extra.numpy as hnp
import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mpmath import libmp

from skdcore import mp

NS = mp.namespace(50)
CTX = NS.context
PREC = NS.prec


# -- helpers -------------------------------------------------------------------

def frac(v):
    """Exact Fraction of an mpf (finite) or float."""
    if not hasattr(v, "_mpf_"):
        return Fraction(v)
    sign, man, exp, _ = v._mpf_
    assert man or v == 0, "non-finite"
    f = Fraction(man) * Fraction(2) ** exp
    return -f if sign else f


def rounded(f, ctx=CTX):
    """The correctly rounded (nearest-even) mpf of a Fraction, by mpmath."""
    return ctx.make_mpf(libmp.from_rational(f.numerator, f.denominator, ctx.prec, "n"))


def exact_mpf(f, ctx=CTX):
    """An mpf holding a dyadic Fraction exactly (no rounding)."""
    assert f.denominator & (f.denominator - 1) == 0
    return ctx.make_mpf(libmp.from_man_exp(f.numerator, -(f.denominator.bit_length() - 1)))


def elems(x):
    return mp.to_numpy_object(x).ravel().tolist()


def same_float(a, b):
    """Equal as floats, NaN equal to NaN (signed zeros equal)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


@np.errstate(over="ignore")
def nearest_even_f32(f):
    """Nearest float32 to Fraction f, ties to even, from exact distances to candidates."""
    max32 = np.finfo(np.float32).max
    if abs(f) >= Fraction(float(max32)) + Fraction(2) ** 103:  # max + half an ulp rounds up
        return np.float32(math.copysign(math.inf, f))
    c = np.float32(float(f))  # within an ulp of the answer
    c = np.copysign(max32, c) if np.isinf(c) else c
    cands = [c, np.nextafter(c, np.float32(np.inf)), np.nextafter(c, np.float32(-np.inf))]
    return min((v for v in cands if np.isfinite(v)),
               key=lambda v: (abs(Fraction(float(v)) - f), int(v.view(np.int32)) & 1))


finite64 = st.floats(allow_nan=False, allow_infinity=False, width=64)
finite32 = st.floats(allow_nan=False, allow_infinity=False, width=32)
any64 = st.floats(width=64)
moderate = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_subnormal=False)


# -- namespace, dtypes, protocol ------------------------------------------------

def test_namespace_is_cached_and_found_by_array_api_compat():
    assert mp.namespace(50) is NS and mp.namespace(30) is not NS
    x = NS.asarray([0.5, 0.25])
    assert x.__array_namespace__() is NS
    assert array_api_compat.array_namespace(x) is NS
    assert array_api_compat.array_namespace(x, 2.0, x) is NS
    with pytest.raises(TypeError):
        array_api_compat.array_namespace(x, mp.namespace(30).asarray([1.0]))
    with pytest.raises(ValueError):
        mp.namespace(0)
    with pytest.raises(ValueError):
        x.__array_namespace__(api_version="1999.01")


def test_dtypes_and_isdtype():
    assert NS.float64 is NS.float32 and repr(NS.float64) == "mpf[dps=50]"
    assert NS.int32 is NS.int64 and NS.bool is not NS.int64
    assert NS.asarray(1.5).dtype is NS.float64
    assert NS.asarray(3).dtype is NS.int64
    assert NS.asarray([True, False]).dtype is NS.bool
    assert NS.isdtype(NS.float64, "real floating") and NS.isdtype(NS.float64, "numeric")
    assert NS.isdtype(NS.int64, ("bool", "integral")) and NS.isdtype(NS.int64, "signed integer")
    assert not NS.isdtype(NS.bool, "numeric") and NS.isdtype(NS.bool, "bool")
    assert NS.result_type(NS.int64, NS.asarray(1.0)) is NS.float64
    assert NS.can_cast(NS.int64, NS.float64) and not NS.can_cast(NS.float64, NS.int64)
    info = NS.__array_namespace_info__()
    assert info.default_dtypes()["real floating"] is NS.float64 and info.devices() == ["cpu"]
    assert set(info.dtypes(kind="numeric")) == {"int64", "float64"}
    assert NS.pi == +CTX.pi and NS.e == +CTX.e and abs(NS.pi - mpmath.pi) < 1e-15  # full precision
    assert elems(NS.asarray(1.0) * NS.pi) == [+CTX.pi]
    with pytest.raises(TypeError):
        NS.asarray([1.0], dtype=np.float64)
    with pytest.raises(TypeError):
        NS.asarray([1.0], dtype=mp.namespace(30).float64)


def test_finfo():
    fi = NS.finfo(NS.float64)
    assert fi.bits == PREC and fi.dtype is NS.float64
    assert fi.eps == CTX.ldexp(1, 1 - PREC) == 2 * CTX.ldexp(1, -PREC)
    assert fi.smallest_normal == 0 and fi.max == CTX.inf and fi.min == -CTX.inf
    one = NS.asarray(1.0)
    assert bool(one + fi.eps > one)
    assert bool(one + fi.eps / 2 == one)  # exact tie rounds to even
    assert bool(fi.eps * one == fi.eps) and bool(fi.eps < one) and bool(one > fi.eps)
    assert 2.0**(1 - PREC) == float(fi.eps)
    assert NS.finfo(one).bits == PREC
    with pytest.raises(ValueError):
        NS.finfo(NS.int64)


def test_array_protocol():
    x = NS.asarray([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and x.device == "cpu"
    assert len(x) == 2 and x.to_device("cpu") is x
    assert x.mT.shape == (3, 2) and float(x.mT[2, 1]) == 6.0
    assert float(x[1, -1]) == 6.0 and x[1, -1].shape == ()
    assert x[:, 1:].shape == (2, 2) and x[..., 0].shape == (2,) and x[None, 0].shape == (1, 3)
    mask = x > 2.5
    assert elems(x[mask]) == [3, 4, 5, 6]
    assert elems(x[1, NS.asarray([2, 0])]) == [6, 4]
    assert [float(r[0]) for r in x] == [1.0, 4.0]
    y = NS.asarray(x, copy=True)
    y[0, 0] = 10
    y[1] = NS.asarray([7, 8, 9])
    y[mask & (y < 9)] = -1.0
    assert elems(y) == [10, 2, -1, -1, -1, 9] and elems(x)[0] == 1
    y += 1
    assert elems(y) == [11, 3, 0, 0, 0, 10] and y.dtype is NS.float64
    with pytest.raises(TypeError):
        NS.asarray([1, 2])[...] += 0.5  # in-place op may not change the dtype
    z = NS.asarray(2.5)
    assert float(z) == 2.5 and int(z) == 2 and int(-z) == -2 and bool(z)
    assert NS.asarray(7).__index__() == 7 and not bool(NS.asarray(0.0))
    with pytest.raises(TypeError):
        float(x)
    with pytest.raises(TypeError):
        z.__index__()
    with pytest.raises(ValueError):
        int(NS.asarray(float("nan")))
    b = NS.asarray([True, False, True])
    assert elems(~b) == [False, True, False]
    assert elems(b & NS.asarray([True, True, False])) == [True, False, False]
    assert elems(b | False) == [True, False, True] and elems(b ^ True) == [False, True, False]
    with pytest.raises(TypeError):
        b + b
    r = repr(NS.asarray([1.0, 2.0]) / 3)
    assert "0." + "3" * 50 in r and "0." + "6" * 49 + "7" in r and "mpf[dps=50]" in r


def test_operators_with_scalars_and_reflection():
    x = NS.asarray([1.0, 2.0, 4.0])
    assert elems(1 - x) == [0, -1, -3] and elems(x - 1) == [0, 1, 3]
    assert elems(2 / x) == [2, 1, 0.5] and elems(2 ** x) == [2, 4, 16] and elems(x ** 2) == [1, 4, 16]
    assert elems(-x) == [-1, -2, -4] and elems(abs(-x)) == [1, 2, 4] and elems(+x) == [1, 2, 4]
    assert elems(x * np.float32(0.5)) == [0.5, 1, 2] and elems(np.float64(3) * x) == [3, 6, 12]
    assert elems(0.1 + NS.zeros(1)) == [CTX.mpf(0.1)]  # the double, converted exactly
    assert elems(CTX.mpf(3) * x) == [3, 6, 12] and elems(mpmath.mpf(1) + x) == [2, 3, 5]
    assert elems(x == 2.0) == [False, True, False] and elems(2.0 <= x) == [False, True, True]
    big = 2**200 + 1  # Python ints are rounded to the context precision like any scalar
    assert elems(NS.zeros(1) + big) == [CTX.mpf(big)]
    assert elems(NS.asarray([7, -7]) // 2) == [3, -4] and elems(NS.asarray([7, -7]) % 3) == [1, 2]
    with pytest.raises(TypeError):
        x // 2
    with pytest.raises(TypeError):
        x + np.array([1.0, 2.0, 3.0])
    with pytest.raises(TypeError):
        np.array([1.0, 2.0, 3.0]) + x
    with pytest.raises(TypeError):
        x + "1"
    with pytest.raises(TypeError):
        np.asarray(x)  # no silent object arrays: use mp.to_float / mp.to_numpy_object
    assert x.to_numpy_object().dtype == object and x.to_numpy_object().tolist() == elems(x)
    assert mp.to_float(CTX.mpf(1) / 3) == float(Fraction(1, 3)) and mp.to_float(NS.arange(2)).dtype == float


# -- exact conversion in and correctly rounded conversion out -------------------

@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=6), elements=any64))
@settings(max_examples=40)
def test_float64_round_trip_is_exact(a):
    x = NS.asarray(a)
    for v, m in zip(a.ravel().tolist(), elems(x)):
        if math.isnan(v):
            assert CTX.isnan(m)
        elif math.isinf(v):
            assert m == v
        else:
            assert frac(m) == Fraction(v)
    back = mp.to_float(x)
    assert back.dtype == np.float64 and same_float(back, a + 0.0)
    assert not np.signbit(back[back == 0]).any()  # no negative zero in mpmath


@given(hnp.arrays(np.float32, st.integers(0, 12), elements=finite32))
@settings(max_examples=40)
def test_float32_round_trip_is_exact(a):
    x = mp.from_float(a)
    assert [frac(m) for m in elems(x)] == [Fraction(float(v)) for v in a]
    back = mp.to_float(x, np.float32)
    assert back.dtype == np.float32 and np.array_equal(back, a)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@np.errstate(over="ignore")
def test_extreme_and_neighbour_values_round_trip(dtype):
    fi = np.finfo(dtype)
    tiny_sub = np.nextafter(dtype(0), dtype(1))
    base = [tiny_sub, 2 * tiny_sub, 3 * tiny_sub, fi.smallest_normal, fi.max, dtype(1), dtype(0.1),
            fi.smallest_normal - tiny_sub]
    vals = []
    for v in base:
        vals += [v, np.nextafter(v, dtype(np.inf)), np.nextafter(v, dtype(0)), -v]
    a = np.array(vals + [0.0, -0.0, np.inf, -np.inf], dtype=dtype)
    x = NS.asarray(a)
    got = elems(x)
    for v, m in zip(a, got):
        assert frac(m) == Fraction(float(v)) if np.isfinite(v) else m == float(v)
    assert np.array_equal(mp.to_float(x, dtype), a + dtype(0))
    # neighbours differ by exactly one ulp
    for v in (dtype(1), fi.smallest_normal, tiny_sub):
        up = np.nextafter(v, dtype(np.inf))
        lo, hi = elems(NS.asarray(np.array([v, up], dtype)))
        d = frac(hi) - frac(lo)
        assert d == Fraction(float(up)) - Fraction(float(v)) > 0


def test_longdouble_and_string_conversion():
    ld = np.longdouble(1) + np.longdouble(2) ** -(np.finfo(np.longdouble).nmant)
    x = NS.asarray(np.array([ld]))
    n, d = ld.as_integer_ratio()
    assert frac(elems(x)[0]) == Fraction(n, d)
    assert elems(NS.asarray("0.1"))[0] == CTX.mpf("0.1") != CTX.mpf(0.1)
    assert elems(NS.asarray(["1e-400", "-inf", "nan"]))[0] == CTX.mpf("1e-400")
    assert elems(NS.asarray(mpmath.mpf("0.1")))[0] == CTX.mpf(mpmath.mpf("0.1"))
    assert elems(NS.asarray(Fraction(1, 3)))[0] == rounded(Fraction(1, 3))
    with pytest.raises(ValueError):
        NS.asarray([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError):
        NS.asarray(np.array([1j]))


@given(finite64.filter(lambda v: v != 0 and abs(v) < np.finfo(np.float64).max),
       st.sampled_from([-1, 1]))
@settings(max_examples=100)
def test_to_float_ties_to_even_float64(a, direction):
    b = np.nextafter(a, direction * np.inf)
    mid = (Fraction(a) + Fraction(float(b))) / 2
    even = a if (np.float64(a).view(np.int64) & 1) == 0 else float(b)
    x = NS.asarray([exact_mpf(mid)])
    assert mp.to_float(x)[0] == even
    nudge = Fraction(1, 2**100)  # still representable at the context precision
    above, below = (float(b), a) if b > a else (a, float(b))
    y = NS.asarray([exact_mpf(mid + abs(mid) * nudge), exact_mpf(mid - abs(mid) * nudge)])
    assert list(mp.to_float(y)) == [above, below]
    assert float(y[0]) == above  # __float__ shares the rounding


@given(st.integers(0, 2**80), st.integers(-1200, -1000), st.sampled_from([1, -1]))
@settings(max_examples=100)
def test_to_float_subnormal_rounding_matches_exact_division(m, e, sign):
    f = sign * Fraction(m) * Fraction(2) ** e
    x = NS.asarray([exact_mpf(f)])
    assert mp.to_float(x)[0] == float(f)  # CPython's float(Fraction) is correctly rounded


def test_to_float_subnormal_and_overflow_boundaries():
    tiny = Fraction(2) ** -1074
    big = Fraction(float(np.finfo(np.float64).max))
    half_ulp_big = Fraction(2) ** 970
    eps = tiny * Fraction(2) ** -120  # nudges stay within the 169-bit context precision
    cases = {
        tiny / 2: 0.0, tiny / 2 + eps: 5e-324, tiny * 3 / 2: 1e-323, tiny * 5 / 2: 1e-323,
        tiny / 2 - eps: 0.0, big + half_ulp_big: math.inf,
        big + half_ulp_big - Fraction(2) ** 900: float(big),
        -(big + half_ulp_big): -math.inf, Fraction(2) ** 5000: math.inf,
    }
    x = NS.asarray([exact_mpf(f) for f in cases])
    assert list(mp.to_float(x)) == list(cases.values())
    huge_exp = NS.asarray([CTX.ldexp(1, 10**30), CTX.ldexp(1, -10**30)])
    assert list(mp.to_float(huge_exp)) == [math.inf, 0.0]
    assert list(mp.to_float(NS.asarray([float("nan"), -math.inf]))[1:]) == [-math.inf]


@given(st.integers(1, 2**60), st.integers(-220, 140), st.sampled_from([1, -1]))
@settings(max_examples=100)
def test_to_float32_correctly_rounded(m, e, sign):
    f = sign * Fraction(m) * Fraction(2) ** e
    got = mp.to_float(NS.asarray([exact_mpf(f)]), np.float32)[0]
    assert got.dtype == np.float32
    assert got == nearest_even_f32(f)


# -- elementwise functions ---------------------------------------------------------

UNARY_REF = {
    "exp": CTX.exp, "expm1": CTX.expm1, "log": CTX.log, "log1p": CTX.log1p,
    "log2": lambda v: CTX.log(v, 2), "log10": lambda v: CTX.log(v, 10), "sqrt": CTX.sqrt,
    "abs": abs, "negative": lambda v: -v, "positive": lambda v: v, "sign": CTX.sign,
    "floor": CTX.floor, "ceil": CTX.ceil, "square": lambda v: v * v,
    "trunc": lambda v: CTX.floor(v) if v >= 0 else CTX.ceil(v),
}
DOMAIN = {"log": 0, "log2": 0, "log10": 0, "sqrt": 0, "log1p": -1}


@pytest.mark.parametrize("name", sorted(UNARY_REF))
@given(vals=st.lists(moderate, min_size=1, max_size=8))
@settings(max_examples=25)
def test_unary_equals_mpmath(name, vals):
    lo = DOMAIN.get(name)
    if lo is not None:
        vals = [abs(v) + lo + 2.0**-30 for v in vals]
    x = NS.asarray(vals)
    got = elems(getattr(NS, name)(x))
    want = [UNARY_REF[name](CTX.mpf(v)) for v in vals]
    assert got == want
    assert all(type(g) is CTX.mpf for g in got)


def test_log_exp_follow_context_precision_not_global():
    before = (mpmath.mp.dps, mpmath.mp.prec)
    x = NS.asarray(["0.3"])
    assert elems(NS.exp(x))[0] == CTX.exp(CTX.mpf("0.3"))
    with mpmath.workdps(60):
        assert elems(NS.exp(x))[0] == CTX.exp(CTX.mpf("0.3"))
    assert (mpmath.mp.dps, mpmath.mp.prec) == before


BINARY_EXACT = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
                "divide": operator.truediv}


@pytest.mark.parametrize("name", sorted(BINARY_EXACT))
@given(a=st.lists(finite64, min_size=1, max_size=6), b=finite64)
@settings(max_examples=40)
def test_basic_arithmetic_is_correctly_rounded(name, a, b):
    if name == "divide" and b == 0:
        b = 3.0
    got = elems(getattr(NS, name)(NS.asarray(a), b))
    want = [rounded(BINARY_EXACT[name](Fraction(v), Fraction(b))) for v in a]
    assert got == want


@given(st.lists(st.floats(min_value=0, allow_infinity=False, allow_nan=False), min_size=1, max_size=6))
@settings(max_examples=40)
def test_sqrt_is_correctly_rounded(vals):
    for v, r in zip(vals, elems(NS.sqrt(NS.asarray(vals)))):
        f, fr = Fraction(v), frac(r)
        half_ulp = Fraction(2) ** (CTX.mag(r) - PREC - 1) if r else 0
        assert (fr - half_ulp) ** 2 <= f <= (fr + half_ulp) ** 2


@given(a=st.lists(st.floats(min_value=1e-3, max_value=1e3), min_size=1, max_size=5),
       b=st.floats(min_value=-20, max_value=20))
@settings(max_examples=40)
def test_pow_equals_mpmath(a, b):
    assert elems(NS.pow(NS.asarray(a), b)) == [CTX.power(CTX.mpf(v), CTX.mpf(b)) for v in a]
    neg = [-v for v in a]
    k = float(round(b))
    assert elems(NS.pow(NS.asarray(neg), k)) == [CTX.power(CTX.mpf(v), CTX.mpf(k)) for v in neg]


SPECIALS = [math.nan, -math.inf, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, math.inf]


def _check_against_numpy(got_mp, want, ref_mp=None):
    """NumPy decides special results; finite non-integral ones are checked against mpmath."""
    got = mp.to_float(got_mp)
    for g, w, m, r in zip(got.ravel(), want.ravel(), elems(got_mp), (ref_mp or [None] * got.size)):
        if np.isfinite(w) and w != 0 and w != round(w) and r is not None:
            assert m == r
        else:
            assert same_float(g, w), (g, w)
        assert type(m) is CTX.mpf


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "pow", "maximum", "minimum"])
def test_binary_ieee_special_cases(name):
    a, b = np.meshgrid(SPECIALS, SPECIALS, indexing="ij")
    with np.errstate(all="ignore"):
        want = getattr(np, {"pow": "power"}.get(name, name))(a, b)
    got = getattr(NS, name)(NS.asarray(a), NS.asarray(b))
    ref = None
    if name in ("pow", "divide"):
        f = {"pow": CTX.power, "divide": lambda u, v: u / v}[name]
        real = [u and v and math.isfinite(u) and math.isfinite(v) and (u > 0 or v == round(v))
                for u, v in zip(a.ravel(), b.ravel())]
        ref = [f(CTX.mpf(u), CTX.mpf(v)) if ok else None for u, v, ok in zip(a.ravel(), b.ravel(), real)]
    _check_against_numpy(got, want, ref)


@pytest.mark.parametrize("name", ["exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "floor", "ceil",
                                  "trunc", "round", "sign", "abs", "negative", "square"])
def test_unary_ieee_special_cases(name):
    a = np.array(SPECIALS + [-1.5, -0.5, 0.5, 1.5, 2.5, -2.5])
    with np.errstate(all="ignore"):
        want = getattr(np, name)(a)
    got = getattr(NS, name)(NS.asarray(a))
    ref = [UNARY_REF[name](CTX.mpf(v)) if name in UNARY_REF else None for v in a]
    _check_against_numpy(got, want, ref)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "signbit", "equal", "not_equal", "less",
                                  "less_equal", "greater", "greater_equal"])
def test_predicates_and_comparisons_match_numpy(name):
    a, b = np.meshgrid(SPECIALS, SPECIALS, indexing="ij")
    args = (a,) if name in ("isnan", "isinf", "isfinite", "signbit") else (a, b)
    got = getattr(NS, name)(*(NS.asarray(t) for t in args))
    assert got.dtype is NS.bool
    assert np.array_equal(mp.to_numpy_object(got).astype(bool), getattr(np, name)(*args))


def test_ieee_results_never_raise_or_go_complex():
    x = NS.asarray([-2.0, -1.0, 0.0])
    logs = elems(NS.log(x))
    assert CTX.isnan(logs[0]) and CTX.isnan(logs[1]) and logs[2] == -CTX.inf
    assert CTX.isnan(elems(NS.sqrt(x))[0]) and CTX.isnan(elems(NS.log1p(NS.asarray(-2.0)))[0])
    assert elems(NS.log1p(NS.asarray(-1.0))) == [-CTX.inf]
    assert elems(NS.exp(NS.asarray(-math.inf))) == [0]
    assert CTX.isnan(elems(NS.multiply(NS.asarray(0.0), math.inf))[0])
    assert elems(NS.asarray([1.0, -1.0]) / 0.0) == [CTX.inf, -CTX.inf]
    assert CTX.isnan(elems(NS.asarray(0.0) / 0)[0])
    assert CTX.isnan(elems(NS.pow(NS.asarray(-8.0), 1 / 3))[0])
    assert elems(NS.pow(NS.asarray(0.0), -1.0)) == [CTX.inf]
    assert elems(NS.round(NS.asarray([0.5, 1.5, 2.5, -0.5, -1.5]))) == [0, 2, 2, 0, -2]


@given(st.data())
@settings(max_examples=40)
def test_broadcasting_matches_numpy(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    a, b, c = (data.draw(hnp.arrays(np.float64, s, elements=st.integers(-4, 4).map(float)))
               for s in shapes.input_shapes)
    x, y, z = (NS.asarray(t) for t in (a, b, c))
    assert NS.add(x, y).shape == np.broadcast_shapes(a.shape, b.shape)
    assert np.array_equal(mp.to_float(x * y - z), a * b - c)
    assert np.array_equal(mp.to_float(NS.maximum(x, y)), np.maximum(a, b))
    assert np.array_equal(mp.to_float(NS.where(x > y, z, 0.5)), np.where(a > b, c, 0.5))
    assert np.array_equal(mp.to_float(NS.clip(x, min=-1.0, max=y)), np.minimum(np.maximum(a, -1.0), b))
    out = NS.broadcast_arrays(x, y, z)
    assert [o.shape for o in out] == [shapes.result_shape] * 3


def test_where_clip_maximum_nan():
    x = NS.asarray([math.nan, 1.0, 5.0, -5.0])
    assert same_float(mp.to_float(NS.clip(x, -2.0, 2.0)), [math.nan, 1.0, 2.0, -2.0])
    assert same_float(mp.to_float(NS.clip(x, max=0.0)), [math.nan, 0.0, 0.0, -5.0])
    assert same_float(mp.to_float(NS.minimum(x, 0.0)), [math.nan, 0.0, 0.0, -5.0])
    assert elems(NS.where(NS.isnan(x), 0, x)) == [0, 1, 5, -5]
    assert NS.where(NS.asarray([True, False]), 1, 2).dtype is NS.int64
    with pytest.raises(TypeError):
        NS.where(x, 1.0, 2.0)


# -- reductions ------------------------------------------------------------------

AXES = [None, 0, 1, 2, -1, (0, 2), (1, 2), (0, 1, 2)]


def _rows(a, axis):
    """Rows of a reduced over axis (NumPy bookkeeping), and the result shape."""
    if axis is None:
        ax = tuple(range(a.ndim))
    else:
        ax = tuple(sorted(i % a.ndim for i in ((axis,) if isinstance(axis, int) else axis)))
    keep = [i for i in range(a.ndim) if i not in ax]
    moved = np.transpose(a, keep + list(ax))
    outer = moved.shape[:len(keep)]
    return moved.reshape(math.prod(outer), math.prod(a.shape[i] for i in ax)), outer


array3d = hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=4),
                     elements=st.floats(min_value=-1e20, max_value=1e20, allow_subnormal=True))


@given(array3d, st.sampled_from(AXES), st.booleans())
@settings(max_examples=50)
def test_sum_prod_mean_are_exact_then_rounded(a, axis, keepdims):
    x = NS.asarray(a)
    rows, outer = _rows(a, axis)
    shape = np.sum(a, axis=axis, keepdims=keepdims).shape
    for fn, ref in [
        (NS.sum, lambda r: rounded(sum(map(Fraction, r), Fraction(0)))),
        (NS.prod, lambda r: rounded(math.prod(map(Fraction, r)))),
    ]:
        got = fn(x, axis=axis, keepdims=keepdims)
        assert got.shape == shape and got.dtype is NS.float64
        assert elems(got) == [ref(r) for r in rows]
    for r, s in zip(rows, elems(NS.sum(x, axis=axis))):
        nz = [abs(v) for v in r if v]
        if not nz or max(nz) < min(nz) * 2.0**200:  # fsum is exact only without huge exponent gaps
            assert s == CTX.fsum([CTX.mpf(v) for v in r])
    means = elems(NS.mean(x, axis=axis, keepdims=keepdims))
    for m, r in zip(means, rows):
        exact = sum(map(Fraction, r), Fraction(0)) / len(r)
        if exact:
            ulp = Fraction(2) ** (CTX.mag(rounded(exact)) - PREC)
            assert abs(frac(m) - exact) <= ulp / 2 * (1 + Fraction(1, 2**50))
        else:
            assert m == 0


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=3, max_side=4),
                  elements=st.one_of(st.integers(-3, 3).map(float), st.just(math.nan))),
       st.sampled_from(AXES), st.booleans())
@settings(max_examples=50)
def test_max_min_argmax_any_all_match_numpy(a, axis, keepdims):
    x = NS.asarray(a)
    for name in ("max", "min"):
        got = getattr(NS, name)(x, axis=axis, keepdims=keepdims)
        assert same_float(mp.to_float(got), getattr(np, name)(a, axis=axis, keepdims=keepdims))
    for name in ("any", "all"):
        got = getattr(NS, name)(x, axis=axis, keepdims=keepdims)
        assert got.dtype is NS.bool
        want = getattr(np, name)(a, axis=axis, keepdims=keepdims)
        assert np.array_equal(mp.to_numpy_object(got).astype(bool), want)
    got = NS.count_nonzero(x, axis=axis, keepdims=keepdims)
    assert np.array_equal(mp.to_numpy_object(got).astype(np.int64),
                          np.count_nonzero(a, axis=axis, keepdims=keepdims))
    single = axis if isinstance(axis, int) or axis is None else None
    for name in ("argmax", "argmin"):
        got = getattr(NS, name)(x, axis=single, keepdims=keepdims)
        assert got.dtype is NS.int64
        want = getattr(np, name)(a, axis=single, keepdims=keepdims)
        assert np.array_equal(mp.to_numpy_object(got).astype(np.int64), want)


@given(array3d, st.integers(-3, 2), st.booleans())
@settings(max_examples=40)
def test_cumulative_sum_is_exact_then_rounded(a, axis, include_initial):
    got = NS.cumulative_sum(NS.asarray(a), axis=axis, include_initial=include_initial)
    moved = np.moveaxis(a, axis, -1)
    want = np.empty(moved.shape[:-1] + (moved.shape[-1] + include_initial,), dtype=object)
    for idx in np.ndindex(moved.shape[:-1]):
        acc, row = Fraction(0), [CTX.zero] if include_initial else []
        for v in moved[idx]:
            acc += Fraction(v)
            row.append(rounded(acc))
        want[idx] = row
    assert got.shape == np.moveaxis(want, -1, axis).shape
    assert elems(got) == np.moveaxis(want, -1, axis).ravel().tolist()


def test_sum_is_correct_for_extreme_cancellation_ties_and_exponent_gaps():
    u = CTX.ldexp(1, -PREC)  # 1 + u is the exact tie between 1 and 1 + 2u
    far = CTX.ldexp(1, -10**20)
    cases = [
        ([1e-300, 1e300, -1e300], CTX.mpf(1e-300)),
        ([1.0, u], CTX.one),
        ([1.0, u, far], 1 + 2 * u),
        ([1.0, u, -far], CTX.one),
        ([far, 1.0, u, -far], CTX.one),
        ([far, 1.0, -1.0], far),
        ([1.0, 3 * u], 1 + 4 * u),  # tie: the even neighbour is above
        ([1.0, 3 * u, -far], 1 + 2 * u),
        ([1.0, 3 * u, far, -far], 1 + 4 * u),  # the far terms cancel exactly
        ([1.0, u, far, -far], CTX.one),
        ([1.0, u, far, far, -far], 1 + 2 * u),
        ([CTX.ldexp(1, 10**20), 1.0, -CTX.ldexp(1, 10**20)], CTX.one),
        ([math.inf, 1.0, -math.inf], CTX.nan),
        ([math.inf, 1.0], CTX.inf),
    ]
    for terms, want in cases:
        got = elems(NS.sum(NS.asarray(terms)))[0]
        assert got == want or (CTX.isnan(want) and CTX.isnan(got)), (terms, got)
    assert CTX.fsum([CTX.mpf(1e-300), CTX.mpf(1e300), CTX.mpf(-1e300)]) == 0  # why we don't use fsum
    got = elems(NS.cumulative_sum(NS.asarray([1.0, far, -1.0, u])))
    assert got == [1, 1, far, u + far]
    a = NS.asarray([[1.0, 3.0], [far, far]])
    assert elems(NS.vecdot(a, a)) == [10, 2 * far * far]
    assert elems(NS.matmul(a, NS.asarray([1.0, -1.0]))) == [-2, 0]
    assert elems(NS.prod(NS.asarray([far, 1 / far, 3.0]))) == [3]


def test_mean_rounds_the_exact_sum_not_the_rounded_sum():
    vals = [1.0, 2.0045735325691467e-51, 1.0294793586429775e-56]  # found by search: double rounding
    total = sum(map(Fraction, vals))
    assert rounded(frac(rounded(total)) / 3) != rounded(total / 3)  # the case is a real trap
    assert elems(NS.mean(NS.asarray(vals))) == [rounded(total / 3)]


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(0, 5)),
                  elements=st.sampled_from(SPECIALS)),
       st.sampled_from([None, 0, 1]))
@settings(max_examples=60)
@pytest.mark.filterwarnings("ignore:Mean of empty slice", "ignore:invalid value encountered")
def test_reductions_with_special_values_match_numpy(a, axis):
    x = NS.asarray(a)
    with np.errstate(all="ignore"):
        for name in ("sum", "prod", "mean", "cumulative_sum"):
            if name == "cumulative_sum":
                got, want = NS.cumulative_sum(x, axis=axis or 0), np.cumsum(a, axis=axis or 0)
            else:
                got, want = getattr(NS, name)(x, axis=axis), getattr(np, name)(a, axis=axis)
            if name == "mean":  # finite means are checked against exact arithmetic elsewhere
                special = ~np.isfinite(want)
                assert same_float(mp.to_float(got)[special], np.asarray(want)[special])
            else:
                assert same_float(mp.to_float(got), want), name


def test_empty_reductions():
    e = NS.zeros((0, 3))
    assert elems(NS.sum(e, axis=0)) == [0, 0, 0] and elems(NS.prod(e, axis=0)) == [1, 1, 1]
    assert all(CTX.isnan(v) for v in elems(NS.mean(e, axis=0)))
    with pytest.raises(ValueError):
        NS.max(e)
    with pytest.raises(ValueError):
        NS.argmax(e, axis=0)
    assert NS.argmax(e, axis=1).shape == (0,)


# -- sorting and manipulation ----------------------------------------------------

@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6),
                  elements=st.one_of(st.integers(-3, 3).map(float), st.just(math.nan))),
       st.integers(-1, 0), st.booleans())
@settings(max_examples=40)
def test_sort_argsort_stable_nan_last(a, axis, descending):
    x = NS.asarray(a)
    with np.errstate(invalid="ignore"):
        want_idx = np.argsort(-a if descending else a, axis=axis, kind="stable")
    got = NS.argsort(x, axis=axis, descending=descending)
    assert got.dtype is NS.int64
    assert np.array_equal(mp.to_numpy_object(got).astype(np.int64), want_idx)
    assert same_float(mp.to_float(NS.sort(x, axis=axis, descending=descending)),
                      np.take_along_axis(a, want_idx, axis=axis))


@given(st.lists(st.tuples(st.integers(0, 3), st.integers()), max_size=12), st.booleans())
@settings(max_examples=40)
def test_argsort_is_stable_like_python_sorted(pairs, descending):
    keys = [k for k, _ in pairs]
    want = sorted(range(len(keys)), key=lambda i: keys[i], reverse=descending)  # Python's sort is stable
    got = NS.argsort(NS.asarray(np.array(keys, dtype=float)), descending=descending)
    assert elems(got) == want


def test_manipulation_functions():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = NS.asarray(a)
    checks = [
        (NS.reshape(x, (4, 6)), a.reshape(4, 6)),
        (NS.expand_dims(x, axis=1), a[:, None]),
        (NS.squeeze(NS.expand_dims(x, axis=0), axis=0), a),
        (NS.broadcast_to(x[:, :1, :], (2, 3, 4)), np.broadcast_to(a[:, :1, :], (2, 3, 4))),
        (NS.stack([x, x], axis=1), np.stack([a, a], axis=1)),
        (NS.concat([x, x], axis=-1), np.concatenate([a, a], axis=-1)),
        (NS.concat([x, x], axis=None), np.concatenate([a.ravel(), a.ravel()])),
        (NS.take(x, NS.asarray([2, 0]), axis=1), np.take(a, [2, 0], axis=1)),
        (NS.take_along_axis(x, NS.argsort(-x, axis=2), axis=2), a[..., ::-1]),
        (NS.flip(x, axis=(0, 2)), np.flip(a, axis=(0, 2))),
        (NS.permute_dims(x, (2, 0, 1)), np.transpose(a, (2, 0, 1))),
        (NS.moveaxis(x, 0, -1), np.moveaxis(a, 0, -1)),
        (NS.matrix_transpose(x), np.swapaxes(a, -1, -2)),
        (NS.matmul(x, NS.matrix_transpose(x)), a @ np.swapaxes(a, -1, -2)),
        (NS.vecdot(x, x, axis=1), np.sum(a * a, axis=1)),
        (NS.unique_values(NS.asarray([3.0, 1.0, 3.0, 2.0])), np.array([1.0, 2.0, 3.0])),
        (NS.astype(NS.asarray([1, 2]), NS.float64), np.array([1.0, 2.0])),
        (NS.concat([NS.asarray([1, 2]), NS.asarray([0.5])]), np.array([1.0, 2.0, 0.5])),
    ]
    for got, want in checks:
        assert got.shape == want.shape and np.array_equal(mp.to_float(got), want)
    assert [elems(i) for i in NS.nonzero(NS.asarray([[0.0, 1.0], [2.0, 0.0]]))] == [[0, 1], [1, 0]]
    assert elems(NS.astype(NS.asarray([-2.7, 2.7]), NS.int64)) == [-2, 2]
    assert elems(NS.astype(NS.asarray([0.0, math.nan]), NS.bool)) == [False, True]
    with pytest.raises(ValueError):
        NS.astype(NS.asarray([math.inf]), NS.int64)
    u = NS.unique_values(NS.asarray([math.nan, 1.0, math.nan]))
    assert elems(u)[0] == 1 and u.shape == (3,)  # NaNs are distinct


def test_creation_functions():
    assert elems(NS.zeros((2,))) == [0, 0] and NS.zeros((2, 3)).dtype is NS.float64
    assert elems(NS.ones(3, dtype=NS.int64)) == [1, 1, 1]
    assert elems(NS.full((2,), 0.1)) == [CTX.mpf(0.1)] * 2
    assert NS.full((2,), 3).dtype is NS.int64 and NS.full((1,), True).dtype is NS.bool
    x = NS.asarray([1.0, 2.0])
    assert elems(NS.full_like(x, 7)) == [7, 7] and NS.full_like(x, 7).dtype is NS.float64
    assert elems(NS.zeros_like(x)) == [0, 0] and elems(NS.ones_like(x, dtype=NS.bool)) == [True, True]
    assert NS.empty((2, 2)).shape == (2, 2) and NS.empty_like(x).shape == (2,)
    assert np.array_equal(mp.to_float(NS.eye(3, 4, k=1)), np.eye(3, 4, k=1))
    assert elems(NS.arange(5)) == [0, 1, 2, 3, 4] and NS.arange(5).dtype is NS.int64
    assert elems(NS.arange(1.0, 2.0, 0.25)) == [1, 1.25, 1.5, 1.75]
    step = Fraction(0.1)
    assert elems(NS.arange(0.0, 1.0, 0.1)) == [rounded(i * step) for i in range(10)]
    lin = NS.linspace(0.0, 1.0, 7)
    assert elems(lin) == [rounded(Fraction(i, 6)) for i in range(7)]
    assert elems(NS.linspace(0.0, 1.0, 4, endpoint=False)) == [0, 0.25, 0.5, 0.75]
    assert NS.asarray(x) is x and NS.asarray(x, copy=True) is not x
    r = NS.reshape(x, (2, 1), copy=False)
    r[0, 0] = 5.0
    assert float(x[0]) == 5.0 and float(NS.reshape(x, (1, 2), copy=True)[0, 0]) == 5.0
    with pytest.raises(ValueError):
        NS.reshape(NS.asarray([[1.0, 2.0], [3.0, 4.0]]).mT, (4,), copy=False)
    x[0] = 1.0
    with pytest.raises(ValueError):
        NS.asarray([1.0], copy=False)
    with pytest.raises(ValueError):
        NS.zeros(3, device="gpu")
    nested = NS.asarray([x, [3, 4.5]])
    assert nested.shape == (2, 2) and elems(nested) == [1, 2, 3, 4.5]


# -- precision isolation and a user operator -------------------------------------

def test_precision_isolation():
    before = (mpmath.mp.dps, mpmath.mp.prec)
    lo, hi = mp.namespace(30), mp.namespace(100)
    a = np.array([0.1, 0.7, 2.5, 1e-5])
    r_lo = elems(lo.exp(lo.log(lo.asarray(a)) / 3))
    r_hi = elems(hi.exp(hi.log(hi.asarray(a)) / 3))
    with mpmath.workdps(120):
        exact = [mpmath.cbrt(mpmath.mpf(v)) for v in a]
        for u, v, t in zip(r_lo, r_hi, exact):
            assert abs(mpmath.mpf(u) - t) <= abs(t) * mpmath.mpf(10) ** -29
            assert abs(mpmath.mpf(v) - t) <= abs(t) * mpmath.mpf(10) ** -99
            assert mpmath.mpf(u) != mpmath.mpf(v)
    assert all(type(v) is lo.context.mpf for v in r_lo)
    assert (mpmath.mp.dps, mpmath.mp.prec) == before
    with pytest.raises(TypeError):
        lo.asarray(a) + hi.asarray(a)
    with pytest.raises(TypeError):
        lo.add(lo.asarray(a), hi.asarray(a))
    with pytest.raises(TypeError):
        lo.asarray(a) == hi.asarray(a)
    assert elems(lo.asarray(hi.asarray(["0.1"]))) == [lo.context.mpf("0.1")]  # explicit conversion rounds


def softmax_op(p, T):
    xp = array_api_compat.array_namespace(p)
    z = xp.log(p) / T
    z = z - xp.max(z, axis=-1, keepdims=True)
    e = xp.exp(z)
    return e / xp.sum(e, axis=-1, keepdims=True)


def test_user_operator_runs_at_high_precision():
    rng = np.random.default_rng(7)
    p = rng.dirichlet(np.ones(6), size=3)
    T = 0.37
    q = softmax_op(mp.namespace(60).asarray(p), T)
    assert q.shape == p.shape and q.dtype is mp.namespace(60).float64
    with mpmath.workdps(90):
        for i in range(3):
            row = [mpmath.mpf(v) ** (1 / mpmath.mpf(T)) for v in p[i]]
            s = mpmath.fsum(row)
            for j, t in enumerate(row):
                got = mpmath.mpf(elems(q[i, j])[0])
                assert abs(got - t / s) <= abs(t / s) * mpmath.mpf(10) ** -55
    np.testing.assert_allclose(mp.to_float(q), softmax_op(p, T), rtol=1e-13)
