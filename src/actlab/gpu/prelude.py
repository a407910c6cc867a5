r"""The float32 math of the Triton kernels, from IEEE-exact core operations only.

Every function here is ``@triton.jit`` and uses +, -, * (each rounded once: the kernels are
launched with ``enable_fp_fusion=False``, so the PTX holds ``add.rn``/``mul.rn`` that ptxas may
not contract), ``div_rn``, ``sqrt_rn``, comparisons, selects and bit casts: no ``tl.exp``
(``ex2.approx``), no ``/`` (``div.full``), no libdevice, no FMA. The GPU and Triton's CPU
interpreter therefore round alike, bit for bit.

The algorithms are the CPU kernels' (``native/csrc/accurate.h`` and ``act.h``): the same
polynomials (``python -m actlab.native.fits``), Cody-Waite reduction, double-float corrections
and tail handling. Where the CPU takes an FMA for an exact product or residual, these take
Dekker's product (:func:`two_prod`, Veltkamp splitting); where an FMA only saves a rounding,
the multiply and the add round apart.

NaN propagates through every function (comparisons with NaN are false, so the selects below
pass NaN on); clamps are written as selects for that reason (``clamp(x, lo, hi)`` is
``torch.clamp``'s).
"""

from __future__ import annotations

import triton
import triton.language as tl

# exp: y = n ln2 + r, ln2 in 16 + 24 bits (n ln2_hi exact for |n| < 2^8)
LOG2E = tl.constexpr(1.44269504)
LN2_HI = tl.constexpr(0.693145752)
LN2_LO = tl.constexpr(1.42860677e-06)
ROUNDER = tl.constexpr(12582912.0)  # 1.5 * 2^23: y + ROUNDER - ROUNDER = y rounded to an integer
ROUNDER_BITS = tl.constexpr(0x4B400000)
EXP_MAX = tl.constexpr(88.72283935546875)  # the largest y with e^y finite in float32
TAIL = tl.constexpr(-64.0)  # _math.TAIL: below, a e^x is computed shifted
EXP_TAIL = tl.constexpr(1.603810890548638e-28)  # e^-64
EXP_UNDERFLOW = tl.constexpr(800.0)  # gated.EXP_UNDERFLOW

# Coefficients, lowest degree first (csrc/accurate.h)
TANH_SMALL = tl.constexpr(  # tanh x = x + x^3 P(x^2), |x| <= atanh(1/2)
    (-0.33333316445350647, 0.13332544267177582, -0.0538475476205349, 0.02105071395635605, -0.0062428489327430725)
)
EXPM1_SMALL = tl.constexpr(  # expm1 x = x + x^2 P(x), -ln 2 <= x <= 0
    (0.4999999701976776, 0.1666659116744995, 0.04166022315621376, 0.008307740092277527, 0.001336604473181069,
     0.00014403559907805175)
)  # fmt: skip
LOG1P_SLOPE = tl.constexpr(  # log1p e = e (1 + e P(e)), 0 <= e <= 1
    (-0.49999988079071045, 0.33332714438438416, -0.24988864362239838, 0.19899623095989227, -0.16135171055793762,
     0.12479529529809952, -0.08323895186185837, 0.042114824056625366, -0.013691671192646027, 0.0020845443941652775)
)  # fmt: skip
EXP_CORE = tl.constexpr(  # e^r = 1 + r + r^2 P(r), |r| <= ln(2)/2
    (0.5, 0.1666666567325592, 0.041666463017463684, 0.008333570323884487, 0.0013935079332441092,
     0.0001974025508388877)
)  # fmt: skip
EXP_SHORT = tl.constexpr(  # the same one degree less, where e^y is rounded again at once
    (0.4999999403953552, 0.1666652113199234, 0.041668254882097244, 0.008368662558495998, 0.001382147427648306)
)
# log m = f - (f^2/2 - s (f^2/2 + R(s^2))), s = f / (2 + f), f = m - 1 (fdlibm's logf, FreeBSD e_logf.c)
LOG_LG = tl.constexpr((0.66666662693, 0.40000972152, 0.28498786688, 0.24279078841))
LOG_LN2_HI = tl.constexpr(6.9313812256e-01)  # 0x3f317180: k ln2_hi exact for |k| < 2^8
LOG_LN2_LO = tl.constexpr(9.0580006145e-06)


# ---- exact arithmetic ---------------------------------------------------------------------------
@triton.jit
def div(a, b):
    """a / b correctly rounded (``div.rn.f32``; a plain ``/`` is ``div.full``, 2 ulps)."""
    return tl.math.div_rn(a, b)


@triton.jit
def two_sum(a, b):
    """a + b = s + e exactly (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@triton.jit
def fast_two_sum(a, b):
    """a + b = s + e exactly for |a| >= |b| (Dekker's Fast2Sum)."""
    s = a + b
    return s, b - (s - a)


@triton.jit
def split(a):
    """a = hi + lo with 12 significant bits each (Veltkamp; |a| < 2^115)."""
    c = a * 4097.0
    hi = c - (c - a)
    return hi, a - hi


@triton.jit
def two_prod(a, b):
    """a b = p + e exactly (Dekker), the FMA-free ``e = fma(a, b, -p)``."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@triton.jit
def horner(x, c: tl.constexpr, n: tl.constexpr):
    """c[0] + x (c[1] + x (... + x c[n-1])), a multiply and an add per step."""
    acc = tl.zeros_like(x) + c[n - 1]
    for i in tl.static_range(n - 2, -1, -1):
        acc = acc * x + c[i]
    return acc


# ---- selects (NaN propagates: a comparison with NaN is false) ------------------------------------
@triton.jit
def clamp(x, lo, hi):
    """``torch.clamp(x, lo, hi)``: NaN stays NaN, -0 stays -0 (as the CPU's min(hi, max(lo, x)))."""
    return tl.where(x < lo, lo, tl.where(x > hi, hi, x))


@triton.jit
def clamp_min(x, lo):
    return tl.where(x < lo, lo, x)


@triton.jit
def clamp_max(x, hi):
    return tl.where(x > hi, hi, x)


@triton.jit
def max0(x):
    """max(x, 0) (``torch.clamp(x, min=0)``)."""
    return tl.where(x < 0.0, 0.0, x)


@triton.jit
def min0(x):
    return tl.where(x > 0.0, 0.0, x)


@triton.jit
def sign(x):
    """``torch.sign``: -1, +0 (either zero), 1, NaN."""
    return tl.where(x > 0.0, 1.0, tl.where(x < 0.0, -1.0, x - x))


@triton.jit
def or_sign(r, x):
    """r with x's sign bit OR-ed in (``r | sign_bit(x)``)."""
    bits = r.to(tl.uint32, bitcast=True) | (x.to(tl.uint32, bitcast=True) & 0x80000000)
    return bits.to(tl.float32, bitcast=True)


@triton.jit
def copysign(a, s):
    """|a| with the sign of s."""
    return or_sign(tl.abs(a), s)


# ---- exp ----------------------------------------------------------------------------------------
@triton.jit
def rint(y):
    """y rounded to the nearest integer (ties to even, |y| < 2^22), as a float and an int32."""
    t = y + ROUNDER
    return t - ROUNDER, t.to(tl.int32, bitcast=True) - ROUNDER_BITS


@triton.jit
def pow2i(k):
    """2^k for an int32 k in [-126, 127]: the exponent field k + 127."""
    return ((k + 127) << 23).to(tl.float32, bitcast=True)


@triton.jit
def scale_pow2(m, k):
    """m 2^k for k in [-252, 254], rounded once: two exact-first steps (m 2^(k>>1) stays normal
    for the |m| in [2^-2, 2^2] of the callers), the CPU's bits."""
    h = k >> 1
    return (m * pow2i(h)) * pow2i(k - h)


@triton.jit
def exp_core(yc, y_lo):
    """For yc clamped to [-120, 88.72]: yc + y_lo = n ln2 + r + r_lo, e^(r + r_lo) = h + t with
    h = 1 + r rounded, t small (accurate.h's exp_core)."""
    nf, ni = rint(yc * LOG2E)
    r = yc - nf * LN2_HI  # exact (Sterbenz)
    r_lo = y_lo - nf * LN2_LO
    r_lo = r_lo + (0.5 * r_lo) * r_lo  # e^r_lo - 1
    q = (r * r) * horner(r, EXP_CORE, 6)  # e^r - 1 - r
    h = 1.0 + r
    lo = (1.0 - h) + r  # 1 + r = h + lo exactly
    return ni, h, (lo + q) + r_lo * (h + q)


@triton.jit
def mul_exp(f, y, y_lo):
    """f e^(y + y_lo), about 1 ulp (|y_lo| << 1: y's rounding error, kept): y clamped to
    [-120, 88.72] (0 below), y = n ln2 + r with y_lo folded into r, f (1 + p) times 2^n."""
    yc = clamp(y, -120.0, EXP_MAX)
    nf, ni = rint(yc * LOG2E)
    r = (yc - nf * LN2_HI) + (clamp(y_lo, -0.5, 0.5) - nf * LN2_LO)
    p = r + (r * r) * horner(r, EXP_SHORT, 5)
    return scale_pow2(f + f * p, ni)


@triton.jit
def mul_exp_nonpos(f, y, y_lo):
    """:func:`mul_exp` for y <= 0 and a finite |y_lo| << 1: the same bits, two clamps fewer."""
    yc = clamp_min(y, -120.0)
    nf, ni = rint(yc * LOG2E)
    r = (yc - nf * LN2_HI) + (y_lo - nf * LN2_LO)
    p = r + (r * r) * horner(r, EXP_SHORT, 5)
    return scale_pow2(f + f * p, ni)


@triton.jit
def exp_inline(y):
    """e^y, <= 0.55 ulp: +inf above 88.72, 0 below -104, NaN stays NaN."""
    yc = clamp(y, -120.0, EXP_MAX)
    ni, h, t = exp_core(yc, 0.0)
    return tl.where(y > EXP_MAX, float("inf"), scale_pow2(h + t, ni))


@triton.jit
def exp_fast(y):
    """e^y for y in [-87, 87], <= 0.9 ulp, where the result is rounded again at once: one
    Cody-Waite reduction, 1 + (r + r^2 P(r)) rounded once, times 2^n (exact)."""
    nf, ni = rint(y * LOG2E)
    r = (y - nf * LN2_HI) - nf * LN2_LO
    return (1.0 + (r + (r * r) * horner(r, EXP_SHORT, 5))) * pow2i(ni)


@triton.jit
def exp_tail_times(a, x):
    """a e^x for x < -64 (clamped >= -800): (a e^(x + 64)) e^-64, one rounding into the subnormals."""
    return (a * exp_inline(x - TAIL)) * EXP_TAIL


@triton.jit
def expm1_neg(x):
    """expm1 x for x <= 0 (-inf, NaN too), <= 1 ulp: x + x^2 P(x) on [-ln 2, 0], e^x - 1 below;
    -0 gives -0."""
    small = x + (x * x) * horner(x, EXPM1_SMALL, 6)
    return or_sign(tl.where(x >= -0.69314718, small, exp_inline(x) - 1.0), x)


@triton.jit
def log1p_exp(y):
    """log(1 + e^y) for y <= 0: e^y (1 + s), s = e^y P(e^y), with e^y = 2^n (h + t) and
    (h + t)(1 + s) = h + (t + s (h + t)) rounded once."""
    yc = clamp(y, -120.0, 0.0)
    ni, h, t = exp_core(yc, 0.0)
    m = h + t
    e = scale_pow2(m, ni)
    return scale_pow2(h + (t + (m * e) * horner(e, LOG1P_SLOPE, 10)), ni)


# ---- log --------------------------------------------------------------------------------------
@triton.jit
def log_positive(x):
    """log x for a normal x > 0 (+inf and NaN stay), < 1 ulp: x = 2^k m, m in [sqrt(1/2), sqrt 2),
    f = m - 1 exact, log m = f - (f^2/2 - s (f^2/2 + R)), s = f / (2 + f) (fdlibm's logf)."""
    bits = x.to(tl.int32, bitcast=True)
    k = (bits >> 23) - 127
    m = ((bits & 0x007FFFFF) | 0x3F800000).to(tl.float32, bitcast=True)
    big = m > 1.41421356
    m = tl.where(big, 0.5 * m, m)
    kf = (k + big.to(tl.int32)).to(tl.float32)
    f = m - 1.0
    s = div(f, 2.0 + f)
    z = s * s
    w = z * z
    r = z * (LOG_LG[0] + w * LOG_LG[2]) + w * (LOG_LG[1] + w * LOG_LG[3])
    hfsq = (0.5 * f) * f
    value = kf * LOG_LN2_HI - ((hfsq - (s * (hfsq + r) + kf * LOG_LN2_LO)) - f)
    return tl.where((x == float("inf")) | (x != x), x, value)


@triton.jit
def log1p_nonneg(r):
    """log(1 + r) for r >= 0: 1 + r = u + u_lo exactly, log u + u_lo / u."""
    u, u_lo = two_sum(1.0, r)
    return log_positive(u) + div(u_lo, u)


# ---- tanh, sigmoid and their kin (act.h) ------------------------------------------------------------
@triton.jit
def tanh_accurate(x):
    """tanh x, <= 0.6 ulp: x + x^3 P(x^2) below 1/4; above, 1 - q with q = 2e / (1 + e),
    e = e^(-2|x|), in double-float arithmetic (e as 2^n (h + t), 1 + e and 1 - q by TwoSum, q by a
    division and its exact residual), rounded once."""
    a = tl.abs(x)
    a2 = a * a
    small = a + (a2 * a) * horner(a2, TANH_SMALL, 5)
    yc = clamp(-2.0 * a, -120.0, 0.0)
    nf, ni = rint(yc * LOG2E)
    r = yc - nf * LN2_HI
    r_lo = nf * -LN2_LO
    r_lo = r_lo + (0.5 * r_lo) * r_lo
    q = (r * r) * horner(r, EXP_CORE, 6)
    h = 1.0 + r
    lo = (1.0 - h) + r
    t = (lo + q) + r_lo * (h + q)
    m, ml = fast_two_sum(h, t)
    eh = scale_pow2(m, ni)
    el = scale_pow2(ml, ni)
    dh, dl = fast_two_sum(1.0, eh)
    dl = dl + el
    q0 = div(2.0 * eh, dh)
    p, pe = two_prod(q0, dh)
    ql = div(((2.0 * eh - p) - pe) + (2.0 * el - q0 * dl), dh)  # q - q0
    s = 1.0 - q0
    sl = ((1.0 - s) - q0) - ql
    return or_sign(tl.where(a < 0.25, small, s + sl), x)


@triton.jit
def sigmoid_from(x, e):
    """sigma(x) from e = e^(-|x|): 1/(1 + e) for x >= 0, e/(1 + e) below."""
    return div(tl.where(x >= 0.0, 1.0, e), 1.0 + e)


@triton.jit
def sigmoid_prime_from(e):
    """sigma'(x) = e / (1 + e)^2 from e = e^(-|x|)."""
    d = 1.0 + e
    return div(e, d * d)


@triton.jit
def sigmoid(x):
    """1 / (1 + e^-x) (no cancellation; exp_fast's error is rounded away), e^x below -80."""
    s = div(1.0, 1.0 + exp_fast(clamp(-x, -87.0, 87.0)))
    return tl.where(x < -80.0, exp_inline(x), s)


@triton.jit
def scaled_bell(x, a):
    """a e^(-|x|) / (1 + e^(-|x|))^2; a e^(-|x|) (scaled) once e^(-|x|) is subnormal."""
    ax = tl.abs(x)
    ne = -ax
    e = exp_fast(tl.where(ne < -87.0, -87.0, ne))
    d = 1.0 + e
    near = div(a * e, d * d)
    far = exp_tail_times(a, -clamp_max(ax, 800.0))
    return tl.where(ax > 80.0, far, near)


@triton.jit
def sigmoid_prime(x):
    return scaled_bell(x, 1.0)


@triton.jit
def tanh_expm1(x):
    """tanh x = sign(x) (-t / (2 + t)), t = expm1(-2|x|) (_math.tanh)."""
    t = expm1_neg(-2.0 * tl.abs(x))
    return copysign(div(-t, 2.0 + t), x)


@triton.jit
def sech2(x):
    """sech^2 x = 4e / (1 + e)^2, e = e^(-2|x|)."""
    return scaled_bell(2.0 * x, 4.0)


@triton.jit
def softplus(x):
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|)."""
    return max0(x) + log1p_exp(-tl.abs(x))
