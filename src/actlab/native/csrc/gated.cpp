// The gated family's elementwise kernels (activations/gated.py): x * gate(x), SiLU, Swish, QuickGELU,
// GELU (exact and tanh), Mish, Hardswish, SmoothHardswish, SERF, HardMish; the split gates SwiGLU
// and GeGLU (a split gate is instantiated beside its gate: GLU's in sigmoidal.cpp, ReGLU's in
// rectifier.cpp).
//
// Where a declaration computes float32 in float64 (GELU, QuickGELU, Mish, SmoothHardswish, SERF),
// the float32 kernel stays in float32 and corrects instead what float64 was there for: the
// rounding of the gate's argument (z = 1.702 x, x / sqrt 2, sqrt(2/pi)(x + 0.044715 x^3)), which
// the tail amplifies |z| times, is carried as z_hi + z_lo and put back to first order.
#include "act.h"
#include "elementwise_impl.h"
#include "scaled.h"
#include "split_gate_impl.h"
#include "gelu.h"
#include "lookup.h"
#include "parametric_impl.h"
#include "trig.h"
#include "swish.h"

namespace actlab {

inline constexpr double kQuickBeta = 1.702;

// x sigma(x);  f' = sigma + x sigma';  f'' = sigma'(x)(2 - x tanh(x/2))
template <class V>
struct SiLU : Act<V> {
  ACTLAB_INLINE V f(V x) const { return swish_f(x, V(1), nullptr, Scalar<V>(kExpUnderflow)); }
  ACTLAB_INLINE V df(V x) const { return swish_df(x); }
  ACTLAB_INLINE V d2f(V x) const { return swish_d2f(x); }
};

// x sigma(beta x)
template <class V>
struct Swish : Act<V> {
  V beta;
  Scalar<V> bound;
  explicit Swish(double b) : beta(this->c(b)), bound(static_cast<Scalar<V>>(kExpUnderflow / std::max(std::abs(b), 1e-30))) {}
  ACTLAB_INLINE V f(V x) const { return swish_f(x, beta, nullptr, bound); }
  ACTLAB_INLINE V df(V x) const { return swish_df(beta * x); }
  ACTLAB_INLINE V d2f(V x) const { return swish_d2f(beta * x, &beta); }
};

// x sigma(1.702 x); float32: z = 1.702 x carried as hi + lo (1.702 itself is not a float)
template <class V>
struct QuickGELU : Act<V> {
  V beta = this->c(kQuickBeta);
  V beta_lo = this->c(kQuickBeta - static_cast<double>(static_cast<Scalar<V>>(kQuickBeta)));
  ACTLAB_INLINE V z_lo(V x) const {  // the rounding of 1.702 x (x clamped: no inf - inf)
    const V xc = clamp(x, V(-1000), V(1000));
    return fma(beta, xc, (beta * xc).neg()) + beta_lo * xc;
  }
  ACTLAB_INLINE V f(V x) const {
    const Scalar<V> bound(kExpUnderflow / kQuickBeta);
    if constexpr (is_float<V>) {
      const V lo = z_lo(x);
      return swish_f(x, beta, &lo, bound);
    }
    return swish_f(x, beta, nullptr, bound);
  }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {
      const V lo = z_lo(x);
      return swish_df(beta * x, &lo);
    }
    return swish_df(beta * x);
  }
  ACTLAB_INLINE V d2f(V x) const { return swish_d2f(beta * x, &beta); }
};

// x Phi(x) (exact) or x sigma(2u), u = sqrt(2/pi)(x + 0.044715 x^3) (tanh); see gelu.h
template <class V>
struct GELU : Act<V> {
  bool tanh_form;
  explicit GELU(c10::string_view approximate) : tanh_form(approximate == "tanh") {
    TORCH_CHECK(tanh_form || approximate == "none", "approximate must be 'none' or 'tanh', got ", approximate);
  }
  ACTLAB_INLINE V f(V x) const { return tanh_form ? gelu_tanh_f(x) : gelu_f(x); }
  ACTLAB_INLINE V df(V x) const { return tanh_form ? gelu_tanh_df(x) : gelu_df(x); }
  ACTLAB_INLINE V d2f(V x) const { return tanh_form ? gelu_tanh_d2f(x) : gelu_d2f(x); }
};

// tanh(softplus x) = t and 1 - t^2 without cancellation (_mish_parts): e = exp(-|x|),
// t = n/(n + 2) with n = e(e + 2) for x <= 0, (1 + 2e)/(1 + 2e + 2e^2) above
template <class V>
ACTLAB_INLINE std::pair<V, V> mish_parts(const V& x) {
  const V one(1), two(2), e = vexp(x.abs().neg());
  const V neg = x <= zero<V>(), n = e * (e + two), d_pos = one + two * e + two * e * e;
  const V t = sel(neg, n / (n + two), (one + two * e) / d_pos);
  const V one_minus_t = sel(neg, two / (n + two), two * e * e / d_pos);
  return {t, one_minus_t * (one + t)};
}

// x tanh(softplus x);  f' = t + x sigma(x)(1 - t^2);  f'' = 2s + x(1 - t^2)(sigma' - 2 t sigma^2)
template <class V>
struct Mish : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V xc = at::vec::clamp_min(x, V(-kExpUnderflow));
    const V near = xc * mish_parts(x).first, tail = xc < V(kTail);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(xc, sel(tail, xc, zero<V>())), near);
  }
  ACTLAB_INLINE V df(V x) const {
    const V one(1), four(4);
    const auto [t, sech2] = mish_parts(x);
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), xn = min0(xc), e = vexp(xn);
    const V d = e * (e + V(2)) + V(2);
    const V neg = e * (four * (one + xn) + e * ((four * xn + V(6)) + e * (four + e))) / (d * d);
    const V near = sel(xc <= zero<V>(), neg, t + xc * sigmoid(x) * sech2), tail = xc < V(kTail);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(one + xc, sel(tail, xc, zero<V>())), near);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const auto [t, sech2] = mish_parts(x);
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), sg = sigmoid(x);
    return V(2) * (sg * sech2) + xc * sech2 * (sigmoid_prime(xc) - V(2) * t * sg * sg);
  }
};

// 0 below -3, x above 3, x (x + 3) / 6 between;  f' = (2x + 3)/6 on (-3, 3) (0 at -3, 1 at 3)
template <class V>
struct Hardswish : Cheap<V> {
  ACTLAB_INLINE V f(V x) const { return sel(x <= V(-3), zero<V>(), sel(x >= V(3), x, x * (x + V(3)) / V(6))); }
  ACTLAB_INLINE V df(V x) const { return sel(x <= V(-3), zero<V>(), sel(x < V(3), (V(2) * x + V(3)) / V(6), V(1))); }
  ACTLAB_INLINE V d2f(V x) const { return sel((x > V(-3)) & (x < V(3)), this->c(1.0 / 3.0), zero<V>()); }
};

// x (x + 3)^2 (6 - x) / 108 on (-3, 3), max(0, x) outside
template <class V>
struct SmoothHardswish : Cheap<V> {
  ACTLAB_INLINE V f(V x) const {
    const V inner = (x > V(-3)) & (x < V(3)), xi = sel(inner, x, zero<V>());
    const V a = xi + V(3);
    return sel(inner, ((xi * (a * a)) * (V(6) - xi)) / V(108), max0(x));
  }
  ACTLAB_INLINE V df(V x) const {
    const V inner = (x > V(-3)) & (x < V(3)), xi = sel(inner, x, zero<V>());
    const V q = (V(18) + V(12) * xi) - (V(4) * xi) * xi;
    return sel(inner, ((xi + V(3)) * q) / V(108), sel(x >= V(3), V(1), zero<V>()));
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V inner = (x > V(-3)) & (x < V(3));
    return sel(inner, (V(54) - (V(12) * x) * x) / V(108), zero<V>());
  }
};

// f = x/2 min(max(x + 2, 0), 2): 0 below -2, x (x + 2) / 2 on [-2, 0], x above
template <class V>
struct HardMish : Cheap<V> {
  ACTLAB_INLINE V f(V x) const {
    const V inner = sel(x <= V(-2), zero<V>(), min0(x));  // NaN stays NaN
    return sel(x >= zero<V>(), x, (V(0.5) * inner) * (inner + V(2)));
  }
  ACTLAB_INLINE V df(V x) const {
    const V inner = (x >= V(-2)) & (x <= zero<V>());
    return sel(inner, x + V(1), sel(x > zero<V>(), V(1), zero<V>()));
  }
  ACTLAB_INLINE V d2f(V x) const { return sel((x >= V(-2)) & (x <= zero<V>()), V(1), zero<V>()); }
};

// f' near a zero x0 = hi + lo of it where its float32 sum cancels: f'(x0 + d) = d P(d) for |d| < half_width
// (P fitted by python -m actlab.native.fits, error <= 0.7 ulp); elsewhere `near` (float64: `near`)
template <class V, std::size_t N>
ACTLAB_INLINE V slope_near_zero(const V& x, const V& near, float hi, float lo, const float (&p)[N],
                                  float half_width = 0.8f) {
  if constexpr (is_float<V>) {
    const V d = (x - V(hi)) - V(lo), zone = d.abs() < V(half_width);
    if (any(zone)) return sel(zone, d * horner(d, p), near);
  }
  return near;
}

// SERF' = 0 at x0 = kSerfZeroHi + kSerfZeroLo (the table's f' is (x - x0) Q_j(u): no cancellation there)
inline constexpr float kSerfZeroHi = -1.1930599212646484f, kSerfZeroLo = -4.76635395596503e-08f;
// log1p e = e (1 + e P(e)), 0 <= e <= 1, two degrees below accurate.h's (fit error 0.56 ulp; p's error reaches
// SERF damped: p erf'(p) / erf(p) <= 1)
inline constexpr float kSerfLog1p[] = {-0.49999648332595825f, 0.33321329951286316f,   -0.24857217073440552f,
                                       0.1915384829044342f,   -0.13754187524318695f,   0.07920882850885391f,
                                       -0.030068300664424896f, 0.005365422461181879f};
// erfc p = P(p - 2.46), 1 <= p <= 3.92 (erf p = 1 in float32 beyond), fit error 0.53 ulp of erf p
// (python -m actlab.native.fits: kSerfErfcMid)
inline constexpr float kSerfErfcMid[] = {
    0.000503324787132442f,  -0.002656187629327178f,   0.006535839289426804f,   -0.009833061136305332f,
    0.009904369711875916f,  -0.006797454319894314f,   0.002964500105008483f,   -0.0004624095163308084f,
    -0.00039208942325785756f, 0.0003018015413545072f, -5.124365634401329e-05f, -2.544394737924449e-05f,
    9.055195732798893e-06f};

// erf(u) / (2u/sqrt pi) = 1 + v P(v), v = u^2 <= 1: P of degree 5 fitted in the relative error of 1 + v P (weighted
// least squares on Chebyshev nodes against mpmath, coefficients rounded to float: 0.12 ulp; the Taylor series
// sum_n (-1)^n v^n / (n! (2n + 1)) needs 11 terms)
inline constexpr float kErfOverU[] = {-0.33333325386047363f, 0.09999840706586838f,    -0.023799346759915352f,
                                      0.004599280189722776f, -0.0007108500576578081f, 6.989236135268584e-05f};
inline const Vf kTwoOverSqrtPiHi(1.128379225730896f), kTwoOverSqrtPiLo(-5.8635383e-08f);  // 2/sqrt pi = hi + lo

// SERF's table (python -m actlab.native.fits: PIECEWISE): x = c_j + u, c_j = -9.1875 + 0.875 j the centres of 16
// intervals of 7/8 on [-9.625, 4.375), |u| <= 0.4375
// erf(softplus x) = P_j(x - c_j) on [-9.625, 4.375), 16 intervals, degree 7 (fit error 0.632 ulp)
inline constexpr float kSerfGate[][16] = {
    {0.00011543893197085708f, 0.0002769037673715502f, 0.0006641435902565718f, 0.0015925413463264704f, 0.003816531738266349f, 0.009133651852607727f, 0.021785466000437737f, 0.051542118191719055f, 0.11953799426555634f, 0.2639358937740326f, 0.5188590288162231f, 0.8142268061637878f, 0.9717088341712952f, 0.9988212585449219f, 0.9999889731407166f, 1.0f},
    {0.00011543302389327437f, 0.00027686977409757674f, 0.0006639480125159025f, 0.0015914159594103694f, 0.0038100555539131165f, 0.009096386842429638f, 0.021571120247244835f, 0.05031173303723335f, 0.11254944652318954f, 0.2260790914297104f, 0.34542134404182434f, 0.28571388125419617f, 0.08024418354034424f, 0.005262000020593405f, 6.869075878057629e-05f, 1.7563354504090967e-07f},
    {5.771035284851678e-05f, 0.0001384019124088809f, 0.00033177834120579064f, 0.0007945858524180949f, 0.001898542745038867f, 0.004510945174843073f, 0.01057137455791235f, 0.02392899990081787f, 0.049390487372875214f, 0.07764030247926712f, 0.03744109719991684f, -0.10639253258705139f, -0.08954605460166931f, -0.010586530901491642f, -0.00020396820036694407f, -2.7184601094631944e-06f},
    {1.9232760678278282e-05f, 4.611225813277997e-05f, 0.00011046265717595816f, 0.0002641131868585944f, 0.0006285251583904028f, 0.0014788296539336443f, 0.0033811451867222786f, 0.007163188420236111f, 0.012004501186311245f, 0.0050888024270534515f, -0.04241758957505226f, -0.0413493774831295f, 0.04084518924355507f, 0.012338402681052685f, 0.00037327458267100155f, 1.6960882476269035e-06f},
    {4.809745860256953e-06f, 1.1502215784275904e-05f, 2.7551552193472162e-05f, 6.560593465110287e-05f, 0.00015509904187638313f, 0.0003571106935851276f, 0.0007735085673630238f, 0.0013907377142459154f, 0.0008917783852666616f, -0.006829382851719856f, -0.0167232658714056f, 0.024295305833220482f, 0.004661016631871462f, -0.008699106052517891f, -0.0004559103399515152f, 2.525785930629354e-05f},
    {9.632535693526734e-07f, 2.2824781353847357e-06f, 5.482861979544396e-06f, 1.2941443856107071e-05f, 3.0248857001424767e-05f, 6.624336674576625e-05f, 0.0001259611890418455f, 0.00012190322740934789f, -0.0005796151235699654f, -0.003193183336406946f, 0.0021755844354629517f, 0.009495222009718418f, -0.011802028864622116f, 0.003113035811111331f, 0.00044399278704077005f, 4.1032226363313384e-06f},
    {1.483112868072567e-07f, 4.327710882989777e-07f, 9.047653861671279e-07f, 2.283558615090442e-06f, 4.3127924982400145e-06f, 1.0052767720480915e-05f, 1.3584807675215416e-05f, -3.787445166381076e-05f, -0.0003000567085109651f, -0.0004465660604182631f, 0.003145730821415782f, -0.004028503317385912f, 0.0017319368198513985f, 0.0004125885316170752f, -0.0003830248606391251f, -0.00010330401710234582f},
    {1.2518221126356366e-08f, 1.0854600418497284e-07f, 1.2836754592626676e-07f, 4.2824464685509156e-07f, 1.822667456963245e-07f, 1.6829371816129424e-06f, 8.188021638488863e-07f, -2.2787240595789626e-05f, -7.275409006979316e-05f, 0.00016358980792574584f, 0.0005746462265960872f, -0.0020410341676324606f, 0.0020938129164278507f, -0.0008632821845822036f, 0.0001358405133942142f, 4.612851626006886e-06f},
};
// SERF'(x) / (x - x0) = P_j(x - c_j) on [-9.625, 4.375), 16 intervals, degree 7 (fit error 1.398 ulp)
inline constexpr float kSerfSlope[][16] = {
    {0.0001182199121103622f, 0.00028437297441996634f, 0.0006844440358690917f, 0.0016484262887388468f, 0.003972276579588652f, 0.009571290574967861f, 0.023010456934571266f, 0.05484934523701668f, 0.1273721158504486f, 0.2745554745197296f, 0.4867081642150879f, 0.5760147571563721f, 0.4298557639122009f, 0.2988652288913727f, 0.2350335419178009f, 0.19491063058376312f},
    {0.00011855568300234154f, 0.00028535228921100497f, 0.0006872917874716222f, 0.0016565024852752686f, 0.003993420861661434f, 0.009613708592951298f, 0.022998297587037086f, 0.053915489464998245f, 0.11901827156543732f, 0.21937866508960724f, 0.22681565582752228f, -0.05990733206272125f, -0.20132294297218323f, -0.09899541735649109f, -0.05548883229494095f, -0.037991102784872055f},
    {5.948252146481536e-05f, 0.0001432761928299442f, 0.00034537259489297867f, 0.0008329395204782486f, 0.002007395261898637f, 0.004815977532416582f, 0.011377104558050632f, 0.025644544512033463f, 0.04990268126130104f, 0.05438415706157684f, -0.07784979790449142f, -0.19228988885879517f, 0.03731737285852432f, 0.04384269937872887f, 0.013702006079256535f, 0.007408214267343283f},
    {1.9911134586436674e-05f, 4.800333044840954e-05f, 0.00011580745922401547f, 0.00027933449018746614f, 0.0006717099458910525f, 0.0015965220518410206f, 0.003660036250948906f, 0.007491511758416891f, 0.009742548689246178f, -0.015062462538480759f, -0.08275169134140015f, 0.04261799529194832f, 0.06005135178565979f, -0.020846648141741753f, -0.004244698677212f, -0.001451976946555078f},
    {5.007260369893629e-06f, 1.2066041563230101e-05f, 2.9124152206350118e-05f, 7.024515798548236e-05f, 0.00016769095964264125f, 0.0003898537252098322f, 0.0008301020134240389f, 0.0012783831916749477f, -0.0010425032814964652f, -0.015887988731265068f, -0.007450730539858341f, 0.061115097254514694f, -0.04550037905573845f, 0.003344620345160365f, 0.00203940412029624f, 0.0002979396958835423f},
    {1.011560357255803e-06f, 2.423870228085434e-06f, 5.85166844757623e-06f, 1.4095860024099238e-05f, 3.298616866231896e-05f, 7.287972402991727e-05f, 0.00012644649541471153f, 2.4956131383646607e-08f, -0.0014954304788261652f, -0.004860542714595795f, 0.015785593539476395f, -0.00950891524553299f, -0.003984647803008556f, 0.005667046178132296f, -0.0011481704423204064f, -7.382265175692737e-05f},
    {1.5726570268270734e-07f, 4.391419565763499e-07f, 1.0573012332315557e-06f, 2.215453605458606e-06f, 5.2683976718981285e-06f, 9.112129191635177e-06f, 7.836733857402578e-06f, -8.455722854705527e-05f, -0.0006135436706244946f, 0.00021647903486154974f, 0.00622419873252511f, -0.015505450777709484f, 0.013917488977313042f, -0.004670887719839811f, 0.0004258821427356452f, 2.5288600227213465e-05f},
    {9.483224872042229e-09f, 8.709813670293443e-08f, 1.9856055644140724e-07f, 2.2209533767636458e-07f, 7.870376634855347e-07f, -6.702807553438106e-08f, -1.97279587155208e-06f, -3.1096475140657276e-05f, -0.0001445072703063488f, 0.0007246197201311588f, -0.0009270123555324972f, 0.0007603676058351994f, -0.0019036773592233658f, 0.0008994026575237513f, -1.3171523278288078e-05f, -1.7328717149212025e-05f},
};

// x erf(softplus x);  f' = erf(p) + x erf'(p) sigma(x);  erf'(p) = 2/sqrt pi e^{-p^2}.
// float32 on [-9.625, 4.375) (the bulk of the inputs): f = x h(x), h = erf(softplus x) = P_j(u), and f' = (x - x0) Q_j(u)
// with x0 = kSerfZeroHi + kSerfZeroLo (Q = f'/(x - x0) has no zero: no cancellation at f''s zero), P_j and Q_j of
// degree 7 on 16 intervals of 7/8 (kSerfGate, kSerfSlope; fit error 0.63 and 1.4 ulp), their coefficients looked up
// per lane (lookup.h: one vpermps each on AVX-512) instead of exp, log1p and two erf polynomials (SERF was 3.2x
// SiLU's forward and backward at 4M elements, 1 thread); above, h = 1 and f' = 1 in float32. Below -9.625 (the wide
// forms, f_wide and df_wide, for those lanes only): e = e^{-|x|} (exp_fast, 0.9 ulp; |x| clamped to 87: a normal
// float), p = max(x, 0) + log1p(e) (kSerfLog1p), sigma = (1 or e) / (1 + e). erf(p): below p = 1 c p Q(p^2)
// (c = 2/sqrt pi, c p as hi + lo in f; Q = 1 + v P(v), ErfAct's), above 1 - erfc(p) by kSerfErfcMid on p clamped to
// [1, 3.92] (erf = 1 in float32 beyond). f' adds x c E sigma, c E = erf'(p) = c e^{-p^2} (mul_exp's reduction of
// p^2 rounded: f' has its 16 ulps; its zero x0 is inside the table). Below x = -64 the tail forms.
template <class V>
struct SERF : Act<V> {
  // float32: e^{-|x|}, p = softplus(x)
  struct Parts {
    Vf e, p;
  };
  ACTLAB_INLINE static Parts parts(const Vf& x) {
    const Vf e = exp_fast(at::vec::maximum(x.abs().neg(), Vf(-87.0f)));
    return {e, max0(x) + fma(e * e, horner(e, kSerfLog1p), e)};
  }
  // erf(p); Exact: c p as hi + lo (f), else c p rounded (f', within its 16 ulps)
  template <bool Exact>
  ACTLAB_INLINE static Vf erf_of(const Vf& p) {
    const Vf v = p * p, q = fma(v, horner(v, kErfOverU), Vf(1.0f)), cp = kTwoOverSqrtPiHi * p, below = p < Vf(1.0f);
    Vf small = cp * q;
    if constexpr (Exact) small = fma(cp, q, (fma(kTwoOverSqrtPiHi, p, cp.neg()) + kTwoOverSqrtPiLo * p) * q);
    if (all(below)) return small;
    const Vf w = clamp(p, Vf(1.0f), Vf(3.92f)) - Vf(2.46f);
    return sel(below, small, Vf(1.0f) - horner(w, kSerfErfcMid));
  }
  ACTLAB_INLINE static Vf erf_prime_f32(const Vf& p) {  // c e^{-p^2} (p clamped to 9; p^2 rounded: f' only)
    const Vf pc = at::vec::clamp_max(p, Vf(9.0f));
    return mul_exp_nonpos(kTwoOverSqrtPiHi, (pc * pc).neg(), zero<Vf>());
  }
  ACTLAB_INLINE static V erf(const V& p) { return p.erf(); }  // float64
  ACTLAB_INLINE static V erf_prime(const V& p) { return V(kTwoOverSqrtPi) * vexp(p.neg() * p); }
  // float32 on [-9.625, 4.375): the lane's interval j (as a float; j < 0 below, j >= 16 above) and u = x - c_j
  struct Grid {
    Vf j, u;
  };
  ACTLAB_INLINE static Grid grid(const Vf& x) {
    const Vf j = fma(x, Vf(1.14285714f), Vf(11.0f)).floor();  // (x + 9.625) 8/7, rounded: j's u within 0.4375 (+0.2%)
    return {j, x - fma(j, Vf(0.875f), Vf(-9.1875f))};
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {  // x erf(softplus x) by the table, erf(p) = 1 above; below, f_wide
      const Grid g = grid(x);
      const V near = sel(g.j >= V(16.0f), x, x * horner_lookup(g.u, TableIndex(g.j), kSerfGate)), wide = g.j < zero<V>();
      return any(wide) ? sel(wide, f_wide(x), near) : near;
    } else {
      return at::vec::clamp_min(x, V(-kExpUnderflow)) * erf(softplus(x));
    }
  }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {  // (x - x0) P(x) by the table (no cancellation at the zero x0), 1 above; below, df_wide
      const Grid g = grid(x);
      const V d = (x - V(kSerfZeroHi)) - V(kSerfZeroLo);
      const V near = sel(g.j >= V(16.0f), V(1.0f), d * horner_lookup(g.u, TableIndex(g.j), kSerfSlope)), wide = g.j < zero<V>();
      return any(wide) ? sel(wide, df_wide(x), near) : near;
    } else {
      const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), p = softplus(xc);
      return erf(softplus(x)) + xc * erf_prime(p) * sigmoid(xc);
    }
  }
  // float32 on the whole line (the lanes below the table): e^{-|x|}, softplus, erf(p) by ErfAct's polynomial or
  // 1 - erfc(p), the tail forms below -64
  __attribute__((noinline, cold)) static V f_wide(const V& x) {
    const V xc = at::vec::clamp_min(x, V(-kExpUnderflow));
    V near = xc * erf_of<true>(parts(x).p);  // below -64 softplus(x) ~ e^x leaves the normal range: x (2/sqrt pi) e^x
    const V tail = x < V(kTail);
    if (any(tail)) near = sel(tail, exp_tail_times(V(kTwoOverSqrtPi) * xc, sel(tail, xc, zero<V>())), near);
    return near;
  }
  __attribute__((noinline, cold)) static V df_wide(const V& x) {
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow));
    const Parts s = parts(x);
    const V sg = sel(x >= zero<V>(), V(1.0f), s.e) / (V(1.0f) + s.e);
    const V near = fma(xc * erf_prime_f32(s.p), sg, erf_of<false>(s.p));
    const V tail = x < V(kTail);  // (2/sqrt pi) e^x (1 + x) below -64
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(V(kTwoOverSqrtPi) * (V(1) + xc), sel(tail, xc, zero<V>())), near);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), p = softplus(xc), s = sigmoid(xc);
    return erf_prime(p) * (V(2) * s + xc * (sigmoid_prime(xc) - V(2) * p * s * s));
  }
};

// What GELU and GELU' (float32) share: t = |x| (clamped), its Mills ratio, t^2 as hi + lo and e^{-t^2/2} reduced as
// 2^n (1 + p) (mul_exp_nonpos's steps), so that several factors times e^{-t^2/2} cost one reduction. gelu_f and
// f(xq(ratio(), 1)) and df(a) give the bits of gelu_f_f32(x) and gelu_df_f32(x, a); xq(ratio(), a) = a x (1 - Phi(t)),
// which is x Phi(-x) for x > 0 (ClippedGELU's clip test). ClippedGELU's and Phish's f' need GELU and GELU', Phish's f
// x Phi(x) and x^2 Phi(x).
struct GeluCore {
  Vf x, xc, q, den, t, n, p;
  ACTLAB_INLINE explicit GeluCore(const Vf& v) : x(v) {
    t = at::vec::clamp_max(v.abs(), Vf(40.0f));
    const Mills m = mills(t);
    q = m.q;
    den = m.den;
    xc = clamp(v, Vf(-40.0f), Vf(40.0f));
    const Vf tt = t * t, tl = fma(t, t, tt.neg());
    const Vf y = at::vec::clamp_min(Vf(-0.5f) * tt, Vf(-120.0f)), y_lo = Vf(-0.5f) * tl;
    n = (y * Vf(kLog2e)).round();
    const Vf r = fma(n, Vf(-kLn2Hi), y) + fma(n, Vf(-kLn2Lo), y_lo);
    p = fma(r * r, horner(r, kExpShort), r);  // e^r - 1
  }
  ACTLAB_INLINE Vf times_gauss(const Vf& a) const { return scale_pow2(fma(a, p, a), n); }  // a e^{-t^2/2}, rounded once
  ACTLAB_INLINE Vf ratio() const { return (xc * q) / den; }                                  // x R(t)
  ACTLAB_INLINE Vf xq(const Vf& xr, const Vf& a) const { return times_gauss(a * xr); }        // a x (1 - Phi(t))
  ACTLAB_INLINE Vf f(const Vf& xq1) const { return sel(x <= zero<Vf>(), xq1, x - xq1); }     // x Phi(x) from xq(., 1)
  ACTLAB_INLINE Vf num() const {  // R(t) - t/sqrt(2 pi) = num/den
    const Vf tden = t * den;
    return fma(kInvSqrt2PiHi.neg(), tden, q) - kInvSqrt2PiLo * tden;
  }
  ACTLAB_INLINE Vf df_from(const Vf& a, const Vf& nr) const {  // a (Phi(x) + x phi(x)) from nr = num/den
    const Vf e = times_gauss(a * nr);
    return sel(x < zero<Vf>(), e, a - e);
  }
  ACTLAB_INLINE Vf df(const Vf& a) const { return df_from(a, num() / den); }  // a (Phi(x) + x phi(x))
};

// GELU clipped to [a, b]: clamp(x Phi(x), a, b);  f' = GELU'(x), f'' = GELU''(x) where not clipped, else 0. Clipped
// as the declaration decides (_clipped): for x > 0, x - b >= x Phi(-x) (exact near the crossing), else GELU(x) >= b;
// or GELU(x) <= a
template <class V>
struct ClippedGELU : Act<V> {
  V lo, hi;
  ClippedGELU(double a, double b) : lo(this->c(a)), hi(this->c(b)) {}
  ACTLAB_INLINE V clipped(const V& x, const V& y) const {
    const V xp = clamp(x, zero<V>(), V(kGaussUnderflow));
    const V above = sel(x > zero<V>(), (x - hi) >= xp * normal_cdf(xp.neg()), y >= hi);
    return above | (y <= lo);
  }
  ACTLAB_INLINE V f(V x) const { return clamp(gelu_f(x), lo, hi); }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {  // GELU, GELU' and x Phi(-x) from one Mills ratio and one exponential
      const GeluCore c(x);
      const V xq = c.xq(c.ratio(), V(1.0f)), y = c.f(xq);
      const V above = sel(x > zero<V>(), (x - hi) >= xq, y >= hi);
      return sel(above | (y <= lo), zero<V>(), c.df(V(1.0f)));
    } else {
      return sel(clipped(x, gelu_f(x)), zero<V>(), gelu_df(x));
    }
  }
  ACTLAB_INLINE V d2f(V x) const { return sel(clipped(x, gelu_f(x)), zero<V>(), gelu_d2f(x)); }
};

// Phish's tables (python -m actlab.native.fits: PIECEWISE): 3 intervals of 11/4 on [-10.75, -2.5), 11 of 5/8 on
// [-2.5, 4.375), 2 of 49/16 on [4.375, 10.5); x = o_j + u, o_j the centres, 0 for the two intervals that end at 0
// (the gate's P_j(0) = 0)
// tanh(x Phi(x)) = e^{-x^2/2 (x < 0)} P_j(x - o_j) on [-10.75, 10.5), 16 intervals, degree 8 (fit error 0.901 ulp)
inline constexpr float kPhishGate[][16] = {
    {-0.3945499658584595f, -0.39041274785995483f, -0.37644457817077637f, -0.3434252440929413f, -0.3120408058166504f, -0.2512803375720978f, 0.0f, 0.0f, 0.6493303179740906f, 0.8996117115020752f, 0.9735466837882996f, 0.9927130937576294f, 0.9979313611984253f, 0.999407947063446f, 0.9999851584434509f, 0.9999999403953552f},
    {0.0009073400287888944f, 0.0024220512714236975f, 0.009968467056751251f, 0.0363074466586113f, 0.06807513535022736f, 0.13469551503658295f, 0.5f, 0.5f, 0.6169800162315369f, 0.21450115740299225f, 0.05562147498130798f, 0.014797127805650234f, 0.004147164057940245f, 0.0011841829400509596f, 2.9644927053595893e-05f, 6.483515591071409e-08f},
    {0.0001392343401676044f, 0.0005065432051196694f, 0.003183794906362891f, 0.0169963501393795f, 0.036036208271980286f, 0.07736041396856308f, 0.39894166588783264f, 0.39893946051597595f, -0.34402334690093994f, -0.2220139056444168f, -0.06034671887755394f, -0.015294483862817287f, -0.004171436186879873f, -0.0011777442414313555f, -2.941942511824891e-05f, 3.0083390356594464e-07f},
    {1.8787126464303583e-05f, 9.25257772905752e-05f, 0.0008728777174837887f, 0.006834972184151411f, 0.013915843330323696f, 0.037231042981147766f, 0.2083081752061844f, -0.04154396429657936f, -0.12599685788154602f, 0.13008788228034973f, 0.04483756795525551f, 0.010887729935348034f, 0.0028306462336331606f, 0.0007915061432868242f, 1.9793764295172878e-05f, 4.34139799665445e-08f},
    {2.1664836822310463e-06f, 1.5450163118657656e-05f, 0.0002174780674977228f, 0.00213368097320199f, 0.0037168322596699f, 0.021197544410824776f, 0.032894063740968704f, -0.16801491379737854f, 0.2454889416694641f, -0.022792575880885124f, -0.02448330633342266f, -0.006214733235538006f, -0.0016422962071374059f, -0.0007596479845233262f, -1.0312951417290606e-05f, -7.966938255776768e-07f},
    {2.8070201096852543e-07f, 2.4779519662843086e-06f, 4.949317008140497e-05f, 0.00045592032256536186f, 0.0010032495483756065f, 0.012119714170694351f, -0.03609181195497513f, -0.06314735114574432f, -0.02932140789926052f, -0.034643322229385376f, 0.00949584599584341f, 0.0028631954919546843f, 0.0006389949121512473f, 0.00016217527445405722f, 3.83890528610209e-06f, 8.271405782522834e-09f},
    {1.9111310223252076e-07f, 4.896403993370768e-07f, 1.1419953807489946e-05f, 0.0024496307596564293f, -0.0018405449809506536f, 0.0025677913799881935f, -0.0196907427161932f, -0.022384272888302803f, -0.1273312270641327f, 0.03185376897454262f, -0.004805447068065405f, 0.0008507174206897616f, 0.002526112599298358f, 0.005835368297994137f, -1.0299398809365812e-06f, 5.234737727732863e-07f},
    {3.736869036430335e-09f, 5.89092898906074e-08f, 4.044115485157818e-06f, -0.00016117808991111815f, 0.0010079111671075225f, -0.0007657995447516441f, 0.003010768676176667f, 0.1387718766927719f, 0.05267912521958351f, -0.013402109034359455f, -0.0015740783419460058f, 0.0003558428434189409f, 9.168158430838957e-05f, 1.7670219676801935e-05f, 4.713143368917372e-07f, 1.0676048933788707e-09f},
    {-4.1410739726188694e-08f, -2.0562058722362053e-08f, 1.1030995210603578e-06f, -0.012754116207361221f, 0.01498076319694519f, 0.004267290234565735f, 0.003791210474446416f, -0.05570950359106064f, 0.0491693951189518f, 0.020895570516586304f, 0.01902511902153492f, -0.010193017311394215f, -0.014164600521326065f, -0.0300353541970253f, -1.6523216572750243e-07f, -1.1197566607279441e-07f},
};
inline constexpr float kPhishGateOrigin[] = {-9.375f, -6.625f, -3.875f, -2.1875f, -1.5625f, -0.9375f, 0.0f, 0.0f, 0.9375f, 1.5625f, 2.1875f, 2.8125f, 3.4375f, 4.0625f, 5.90625f, 8.96875f};
// Phish'(x) / (x (x - x0)) = e^{-x^2/2 (x < 0)} P_j(x - o_j) on [-10.75, 10.5), 16 intervals (kPhishGate's o_j), degree 9 (fit error 0.831 ulp)
inline constexpr float kPhishSlope[][16] = {
    {0.44695672392845154f, 0.4650704860687256f, 0.5044122338294983f, 0.5624013543128967f, 0.5987501740455627f, 0.6480509042739868f, 0.8365182280540466f, 0.8365182280540466f, 0.6139901876449585f, 0.2865382134914398f, 0.14799928665161133f, 0.09175850450992584f, 0.06355684250593185f, 0.04701322317123413f, 0.02384496107697487f, 0.010969729162752628f},
    {0.004796071909368038f, 0.009037389419972897f, 0.022568626329302788f, 0.05079887807369232f, 0.06543278694152832f, 0.10257012397050858f, 0.3014027178287506f, 0.30140694975852966f, -0.6482717394828796f, -0.348722368478775f, -0.1320478767156601f, -0.060527388006448746f, -0.0334891639649868f, -0.020853690803050995f, -0.00740182725712657f, -0.002302370732650161f},
    {0.0004753118264488876f, 0.001218255958519876f, 0.004701904486864805f, 0.012079359963536263f, 0.01253797672688961f, 0.06259466707706451f, 0.02662610076367855f, -0.3916527330875397f, -0.004944801330566406f, 0.27007797360420227f, 0.09469621628522873f, 0.032562173902988434f, 0.014026043005287647f, 0.007183929439634085f, 0.0017331995768472552f, 0.0003629096318036318f},
    {4.67792633571662e-05f, 0.0001622066629352048f, 0.0009610545821487904f, 9.574913565302268e-05f, 0.005065469536930323f, 0.05258404091000557f, -0.21833565831184387f, -0.36589115858078003f, 0.5401782393455505f, -0.10264868289232254f, -0.05839981883764267f, -0.01654982939362526f, -0.005564975552260876f, -0.0023130327463150024f, -0.00036472000647336245f, -5.0918300985358655e-05f},
    {4.85558484797366e-06f, 2.1710324290324934e-05f, 0.0001927951816469431f, -0.0019378607394173741f, 0.009588591754436493f, 0.016715170815587044f, -0.17266418039798737f, -0.08739008754491806f, -0.2838086485862732f, -0.049090031534433365f, 0.02862025983631611f, 0.007939723320305347f, 0.002190088853240013f, 0.0007170125027187169f, 7.346038910327479e-05f, 6.697175194858573e-06f},
    {4.4698273882204376e-07f, 2.7930730084335664e-06f, 3.7744175642728806e-05f, -2.8744518203893676e-05f, 0.007980572059750557f, -0.012927263975143433f, -0.0048369173891842365f, 0.2740586996078491f, -0.28312402963638306f, 0.10547726601362228f, -0.008418365381658077f, -0.003507625311613083f, -0.0008415171760134399f, -0.000226545162149705f, -1.4630088116973639e-05f, -8.488461276101589e-07f},
    {-1.9710152798779745e-07f, 6.069246438755727e-08f, 7.166314389905892e-06f, 0.008399393409490585f, 0.008036394603550434f, -0.0052299583330750465f, 0.006165953353047371f, -0.07568329572677612f, 0.34048372507095337f, -0.07546854764223099f, -0.0038074206095188856f, 0.0022490995470434427f, -6.338359526125714e-05f, 0.0003471304662525654f, 2.857318122551078e-06f, 1.131306461843451e-07f},
    {1.337956856417577e-09f, 3.979885576654851e-08f, -1.1864109410453239e-06f, 0.001433130819350481f, -0.001351789222098887f, -0.0013260942650958896f, -0.11042439937591553f, 0.5353516936302185f, 0.06362612545490265f, 0.013195944018661976f, 0.006403677631169558f, -0.0010278256377205253f, 0.00010053958249045536f, -0.00010587969882180914f, -5.775237923444365e-07f, -1.4188093366840349e-08f},
    {6.35668229165276e-08f, 8.52886117286289e-08f, -2.9147734039725037e-06f, -0.03778700903058052f, -0.0351080484688282f, -0.0379515066742897f, -0.14467696845531464f, -0.7132790088653564f, -0.25711601972579956f, 0.051489315927028656f, 0.0067322514951229095f, -0.004572615027427673f, 0.0019333579111844301f, -0.0013991274172440171f, 1.546563481724661e-07f, -2.5456654145772362e-11f},
    {7.584605721255855e-10f, 2.557263067970439e-09f, -1.00712406947423e-06f, -0.003653939813375473f, -0.003108386415988207f, -0.006784685421735048f, -0.05904224514961243f, 0.2619602084159851f, 0.06019827723503113f, -0.05280067026615143f, -0.008062295615673065f, 0.0033388598822057247f, -0.0010665416484698653f, 0.00046494524576701224f, -3.14397787803955e-08f, 9.560309488509944e-11f},
};
// Phish' = 0 at x0 = kPhishZeroHi + kPhishZeroLo (and at 0)
inline constexpr float kPhishZeroHi = -1.1954312324523926f, kPhishZeroLo = 3.106448076550805e-08f;

// Phish: x tanh(g), g = GELU(x) = x Phi(x);  f' = tanh g + x sech^2(g) g', g' = Phi + x phi;
// f'' = sech^2 g (2g' + x(g'' - 2 tanh(g) g'^2)), g'' = phi (2 - x^2). x clipped to [-40, 800] (Phi = 0 below).
// float32 on [-10.75, 10.5) (the bulk of the inputs): f = x tanh g = x P_j(u) e^{-x^2/2} and f' = x (x - x0) Q_j(u)
// e^{-x^2/2}, the Gaussian only below 0 (its exponent as hi + lo: mul_exp's one rounding), P_j and Q_j of degree 8
// and 9 on 16 intervals, fine (5/8) where tanh(x Phi(x)) has poles near (0.64 +- 1.28i) (kPhishGate, kPhishSlope: fit
// error 0.90 and 0.83 ulp), their coefficients looked up per lane (lookup.h: one vpermps each on AVX-512) instead of
// a Mills ratio, two exponentials and a division (Phish was 3.3x SiLU's forward and backward at 4M elements, 1
// thread). Q has no zero: no cancellation at f''s zeros 0 and x0. Above 10.5 f = x and f' = 1 in float32; below
// -10.75 the wide forms (f_wide, df_wide) for those lanes.
template <class V>
struct Phish : Act<V> {
  // float32 on [-10.75, 10.5): the lane's interval j (as a float; j < 0 below, j >= 16 above): 3 intervals of 11/4 on
  // [-10.75, -2.5), 11 of 5/8 on [-2.5, 4.375), 2 of 49/16 on [4.375, 10.5), by the lines (x + 10.75) 4/11, 1.6 x + 7
  // and 14 + (x - 4.375) 16/49, which meet at -2.5 and 4.375 (rounded: j's u = x - o_j within its interval + 0.2%)
  ACTLAB_INLINE static Vf interval(const Vf& x) {
    const Vf mid = at::vec::clamp_max(fma(x, Vf(1.6f), Vf(7.0f)), fma(x, Vf(0.32653061f), Vf(12.571428f)));
    return at::vec::clamp_min(mid, fma(x, Vf(0.36363637f), Vf(3.9090909f))).floor();
  }
  // y + y_lo = -x^2/2 below 0, else 0: the tables' functions have e^{-x^2/2} factored out below 0
  ACTLAB_INLINE static std::pair<Vf, Vf> gauss_exponent(const Vf& x) {
    const Vf xn = min0(x), tt = xn * xn;
    return {Vf(-0.5f) * tt, Vf(-0.5f) * fma(xn, xn, tt.neg())};
  }
  // (The index is built where it is used: a struct holding it was copied through the stack on AVX2, 2.5x slower.)
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {  // |x P_j(u)| e^{-x^2/2} (f >= 0; +0 at -0 as the declaration), x above; below, f_wide
      const V j = interval(x);
      const TableIndex i(j);
      const auto [y, y_lo] = gauss_exponent(x);
      const V near = mul_exp_in_range((x * horner_lookup(x - i(kPhishGateOrigin), i, kPhishGate)).abs(), y, y_lo);
      const V out = sel(j >= V(16.0f), x, near), wide = j < zero<V>();
      return any(wide) ? sel(wide, f_wide(x), out) : out;
    } else {
      const V w = at::vec::clamp_min(x, V(-kGaussUnderflow));
      return w * vtanh(gelu_f(w));
    }
  }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {  // x (x - x0) P_j(u) e^{-x^2/2} (no cancellation at the zeros 0, x0), 1 above; below,
      // df_wide
      const V j = interval(x);
      const TableIndex i(j);
      const auto [y, y_lo] = gauss_exponent(x);
      const V m = x * ((x - V(kPhishZeroHi)) - V(kPhishZeroLo));
      const V near = mul_exp_in_range(m * horner_lookup(x - i(kPhishGateOrigin), i, kPhishSlope), y, y_lo);
      const V out = sel(j >= V(16.0f), V(1.0f), near), wide = j < zero<V>();
      return any(wide) ? sel(wide, df_wide(x), out) : out;
    } else {  // the declaration's, its exp by the C library (as torch's: the sum cancels in the tail)
      const V w = clamp(x, V(-kGaussUnderflow), V(kExpUnderflow));
      const V pdf = V(kInvSqrt2Pi) * exp_libm((V(-0.5) * w) * w), cdf = normal_cdf(w);
      const V g = w * cdf, e = exp_libm(V(-2.0) * g.abs());
      return tanh_expm1(g) + (w * ((V(4.0) * e) / ((V(1.0) + e) * (V(1.0) + e)))) * (cdf + w * pdf);
    }
  }
  // float32 below the tables (x < -10.75: g = x Phi(x) is under 1e-26, so tanh g = g and sech^2 g = 1 in float32):
  // f = x g = x^2 Phi(x) and f' = g + x g', each from one Mills ratio and one reduction of e^{-x^2/2}, x g and x g'
  // rounded once (subnormal, then 0, further down); x clamped to -40 (Phi = 0 in float32 below)
  __attribute__((noinline, cold)) static V f_wide(const V& x) {
    const GeluCore c(at::vec::clamp_min(x, V(-kGaussUnderflow)));
    return c.xq(c.ratio(), c.xc);
  }
  __attribute__((noinline, cold)) static V df_wide(const V& x) {
    const GeluCore c(at::vec::clamp_min(x, V(-kGaussUnderflow)));
    const V r = V(1.0f) / c.den;  // one reciprocal for x R and num/den (each then ~1 ulp)
    return c.df_from(c.xc, c.num() * r) + c.f(c.xq((c.xc * c.q) * r, V(1.0f)));
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V w = clamp(x, V(-kGaussUnderflow), V(kExpUnderflow)), cdf = normal_cdf(w), pdf = normal_pdf(w);
    const V g = w * cdf, dg = cdf + w * pdf, d2g = pdf * (V(2) - w * w);
    return sech2(g) * (V(2) * dg + w * (d2g - ((V(2) * tanh_expm1(g)) * dg) * dg));
  }
};

// ---- self-gated activations of the literature. Their declarations compute float32 in float64; the
// float32 kernels stay in float32 on the accurate primitives (accurate.h) and forms without
// cancellation (tests/native: fwd <= 4 ulp, f' <= 16 ulp against the float64 declaration).

// E-swish: beta x sigma(x)
template <class V>
struct ESwish : Act<V> {
  V beta;
  explicit ESwish(double b) : beta(this->c(b)) {}
  ACTLAB_INLINE V f(V x) const { return beta * swish_f(x, V(1), nullptr, Scalar<V>(kExpUnderflow)); }
  ACTLAB_INLINE V df(V x) const { return beta * swish_df(x); }
  ACTLAB_INLINE V d2f(V x) const { return beta * swish_d2f(x); }
};

// Flatten-T Swish: x sigma(x) + T for x >= 0, T below;  f' = SiLU' there, 0 below (NaN stays NaN in f, f')
template <class V>
struct FlattenTSwish : Act<V> {
  V t;
  explicit FlattenTSwish(double T) : t(this->c(T)), t_lo(this->c(T - static_cast<double>(static_cast<Scalar<V>>(T)))) {}
  V t_lo;
  // float32, x >= 0: (x + T (1 + e)) / (1 + e), e = e^-x = eh + el (exp_core), x + T by TwoSum and
  // T e by an fma: one rounding of the numerator, which cancels at the zero of f (x = 0.33 for T = -0.2)
  ACTLAB_INLINE V shifted(V xp) const {
    if constexpr (is_float<V>) {
      const auto [eh, el] = exp_split(clamp(xp.neg(), V(-120.0f), zero<V>()));
      const V s = xp + t, bb = s - xp, err = (xp - (s - bb)) + (t - bb);
      const V num = fma(t, eh, s) + ((err + t * el) + t_lo * (V(1) + eh));
      return sel(xp == V(INFINITY), xp, num / (V(1) + eh));
    } else {
      return swish_f(xp, V(1), nullptr, Scalar<V>(kExpUnderflow)) + t;
    }
  }
  ACTLAB_INLINE V f(V x) const {
    const V y = sel(x >= zero<V>(), shifted(max0(x)), t);
    return sel(x != x, x, y);
  }
  ACTLAB_INLINE V df(V x) const {
    const V y = sel(x >= zero<V>(), swish_df(max0(x)), zero<V>());
    return sel(x != x, x, y);
  }
  ACTLAB_INLINE V d2f(V x) const { return sel(x >= zero<V>(), swish_d2f(max0(x)), zero<V>()); }
};

// sqrt(2) and x0 = log(sqrt(2) - 1), the minimum of ELiSH (x0 = kElishZeroHi + kElishZeroLo in float32)
inline constexpr double kSqrt2 = 1.4142135623730951, kElishZero = -0.8813735870195428;  // math.log(sqrt2 - 1)
inline constexpr float kElishZeroHi = -0.88137358f;
inline constexpr double kElishZeroLo = kElishZero - static_cast<double>(kElishZeroHi);

// expm1(u) for u <= -log(sqrt(2) - 1) = 0.8814: expm1 of -|u| (<= 0: accurate.h's), and for u > 0
// expm1(u) = -m / (1 + m), m = expm1(-u) (1 + m = e^-u >= 0.41: no cancellation)
template <class V>
ACTLAB_INLINE V expm1_small(const V& u) {
  const V m = expm1_nonpos(u.abs().neg());
  return sel(u > zero<V>(), m.neg() / (V(1) + m), m);
}

// ELiSH: x sigma(x) for x >= 0, expm1(x) sigma(x) below;  f' = SiLU' for x >= 0, below
// sigma(x)(sqrt2 - 1) expm1(x - x0)(e^x + 1 + sqrt2)/(e^x + 1) (no cancellation at the minimum x0)
template <class V>
struct ELiSH : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V s = sigmoid(x);
    return sel(x >= zero<V>(), x * s, expm1_nonpos(min0(x)) * s);
  }
  ACTLAB_INLINE V df(V x) const {
    const V one(1), xn = min0(x);
    if constexpr (is_float<V>) {
      // one e = e^{-|x|} = eh + el (exp_split) and 1 + e = dh + dl exactly for both sides: P / (1 + e)^2 with
      // P = 1 + e (1 + x) above 0 (SiLU'), e (e^2 + 2e - 1) below; the division's dl folded in after
      const auto [eh, el] = exp_split(at::vec::maximum(x.abs().neg(), V(-120.0f)));
      const V dh = one + eh, dl = ((one - dh) + eh) + el;
      const V num = (fma(eh, eh, V(2) * eh) - one) + (V(2) * el) * (eh + one);
      const V x1 = one + at::vec::clamp_max(x, V(88.0f));  // e (1 + x) <= e^-88 89 beyond: no 0 inf
      const V p = sel(x >= zero<V>(), fma(eh, x1, one) + el * x1, fma(el, num, eh * num));
      const V q = p / (dh * dh);
      V out = fma(q, (V(-2) * dl) / dh, q);
      // near the minimum x0, where e^2 + 2e - 1 cancels: (sqrt2 - 1) e expm1(x - x0) (e + 1 + sqrt2) / (1 + e)^2
      const V u = (xn - V(kElishZeroHi)) - V(static_cast<float>(kElishZeroLo)), zone = u.abs() < V(0.5f);
      if (any(zone)) out = sel(zone, (this->c(kSqrt2 - 1.0) * eh) * (expm1_small(u) * (dh + this->c(kSqrt2))) / (dh * dh), out);
      return out;
    } else {  // the declaration's
      const V s = sigmoid(x), e = vexp(xn), wc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow));
      const V neg = ((this->c(kSqrt2 - 1.0) * (xn - V(kElishZero)).expm1()) * ((e + one) + this->c(kSqrt2))) / (e + one);
      return sel(x >= zero<V>(), s * (one + wc * sigmoid(x.neg())), s * neg);
    }
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V one(1), s = sigmoid(x), sm = sigmoid(x.neg());
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), xn = min0(x), e = vexp(xn);
    const V neg = s * (e * (one + V(2) * sm) + sm * (sm - s) * expm1_nonpos(xn));
    return sel(x >= zero<V>(), sigmoid_prime(xc) * (V(2) + xc * (sm - s)), neg);
  }
};

// Hard ELiSH: h(x) = clamp((x + 1)/2, 0, 1);  x h(x) for x >= 0, expm1(x) h(x) below
template <class V>
struct HardELiSH : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V h = clamp(V(0.5) * (x + V(1)), zero<V>(), V(1));
    return sel(x >= zero<V>(), x * h, expm1_nonpos(min0(x)) * h);
  }
  ACTLAB_INLINE V df(V x) const {
    const V xi = clamp(x, V(-1), zero<V>());
    const V neg = V(0.5) * (vexp(xi) * (xi + V(1)) + expm1_nonpos(xi));
    const V y = sel(x > V(1), V(1), sel(x >= zero<V>(), x + V(0.5), sel(x >= V(-1), neg, zero<V>())));
    return sel(x != x, x, y);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xi = clamp(x, V(-1), zero<V>());
    const V neg = (V(0.5) * vexp(xi)) * (xi + V(3));
    return sel(x > V(1), zero<V>(), sel(x >= zero<V>(), V(1), sel(x >= V(-1), neg, zero<V>())));
  }
};

// LiSHT: x tanh x;  f' = tanh x + x sech^2 x;  f'' = 2 sech^2 x (1 - x tanh x)
template <class V>
struct LiSHT : Act<V> {
  ACTLAB_INLINE V f(V x) const { return x * vtanh(x); }
  ACTLAB_INLINE V df(V x) const {
    return vtanh(x) + clamp(x, V(-kExpUnderflow), V(kExpUnderflow)) * sech2(x);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow));
    return (V(2) * sech2(x)) * (V(1) - xc * tanh_expm1(x));
  }
};

// The zeros of TanhExp', Smish'/alpha (in z = beta x) and Logish' and f'(x0 + d) = d P(d) there
// (python -m actlab.native.fits; fit errors 0.43, 0.68, 0.37 ulp): their float32 sums cancel near x0
// (21, 16, 16 ulps at 0.07-0.16 from it)
inline constexpr float kTanhExpZeroHi = -1.0788600444793701f, kTanhExpZeroLo = -1.3985253843884493e-08f;
inline constexpr float kTanhExpSlopeZero[] = {
    0.35250362753868103f,   0.32522690296173096f,   0.10786009579896927f,    -0.022875210270285606f,
    -0.04563656076788902f,  -0.025494417175650597f, -0.00570495193824172f,   0.0027860584668815136f,
    0.003658990142866969f,  0.0016848613740876317f, -8.907703886507079e-05f, -0.00030336977215483785f};
inline constexpr float kSmishZeroHi = -1.394519329071045f, kSmishZeroLo = 2.7146540793054896e-08f;
inline constexpr float kSmishSlopeZero[] = {
    0.18142038583755493f,  0.10463359951972961f,   -0.001644835458137095f,  -0.017561854794621468f,
    -0.0037450839299708605f, 0.001710348529741168f, 0.0008871954632923007f, -4.027115573990159e-05f,
    -0.00010513835877645761f, -1.3070908607915044e-05f};
inline constexpr float kLogishZeroHi = -1.3724541664123535f, kLogishZeroLo = 2.9386661326569197e-08f;
inline constexpr float kLogishSlopeZero[] = {
    0.18341466784477234f,  0.10867927968502045f, 0.0031533653382211924f, -0.014993445947766304f,
    -0.0036805577110499144f, 0.0010919522028416395f, 0.0006477284478023648f, 3.4854219848057255e-06f,
    -6.5186271967832e-05f, -1.1902036931132898e-05f};

inline constexpr double kTanhExpFlat = 10.0;  // tanh(e^x) = 1, e^x sech^2(e^x) = 0 beyond

// TanhExp: x tanh(e^x), x e^x scaled below -64;  f' = tanh(e^x) + x e^x sech^2(e^x), (1 + x) e^x below -64.
// float32: E = e^x by exp_fast (0.9 ulp: tanh damps it, E sech^2 E / tanh E <= 1; x clamped to [-87, 10], the tail
// form below -64); tanh E by tanh_nonneg (one exponential and one division) in f; in f' tanh and sech^2 of E from
// t = e^{-2E} (as tanh_sech2_nonneg, t by exp_fast: -2E >= -80): two exponentials, one division
template <class V>
struct TanhExp : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V xc = at::vec::clamp_min(x, V(-kExpUnderflow));
    V th;
    if constexpr (is_float<V>) {
      th = tanh_nonneg(exp_fast(clamp(x, V(-87.0f), V(kTanhExpFlat))));
    } else {
      th = vtanh(vexp(at::vec::clamp_max(x, V(kTanhExpFlat))));
    }
    const V near = x * th, tail = xc < V(kTail);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(xc, sel(tail, xc, zero<V>())), near);
  }
  ACTLAB_INLINE V df(V x) const {
    const V xc = clamp(x, V(-kExpUnderflow), V(kTanhExpFlat));
    const V tail = xc < V(kTail);
    V sum;
    if constexpr (is_float<V>) {  // tanh_sech2_nonneg's m = e^{-2E} - 1, tanh E = -m r, sech^2 E = 4 t r^2, r = 1/(2 + m)
      const V e = exp_fast(at::vec::clamp_min(xc, V(-87.0f))), a = at::vec::maximum(V(-2.0f) * e, V(-80.0f));
      const V t = exp_fast(a), m = sel(a >= V(-0.69314718f), fma(a * a, horner(a, kExpm1Small), a), t - V(1.0f));
      const V r = V(1.0f) / (V(2.0f) + m);
      sum = fma(xc * e, (V(4.0f) * t) * (r * r), m.neg() * r);
    } else {
      const V e = vexp(xc);
      sum = vtanh(e) + (xc * e) * sech2(e);
    }
    const V near = slope_near_zero(x, sum, kTanhExpZeroHi, kTanhExpZeroLo, kTanhExpSlopeZero);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(V(1) + xc, sel(tail, xc, zero<V>())), near);
  }
  ACTLAB_INLINE V d2f(V x) const {  // float64: e^x by exp_libm (sech^2(e^x) amplifies its rounding 2e^x times)
    const V xc = clamp(x, V(-kExpUnderflow), V(kTanhExpFlat));
    V e;
    if constexpr (is_float<V>) {
      e = vexp(xc);
    } else {
      e = exp_libm(xc);
    }
    return (e * sech2(e)) * ((V(2) + xc) - (V(2) * xc) * (e * tanh_expm1(e)));
  }
};

// TeLU = TanhExp
template <class V>
struct TeLU : TanhExp<V> {};

// Smish: alpha x T(z), z = beta x, T = tanh(log(1 + sigma(z))) = q/(q + 2), q = sigma(sigma + 2). With
// e = e^{-|z|}: T = e(2 + 3e)/(2 + 6e + 5e^2) for z < 0, (3 + 2e)/(5 + 6e + 2e^2) above (no
// cancellation), T' = 4e P (1 + e)/D^2 with P = 1 + 2e resp. 2 + e: f' = alpha (N/D + 4 z e P (1 + e)/D^2).
// float32 with beta not a power of 2: z's rounding z_lo is put back, T(z + lo) = T(1 + T'/T lo). float64:
// the declaration's q / (q + 2).
template <class V>
struct Smish : Act<V> {
  V alpha, beta, beta_lo;
  Scalar<V> bound;
  bool exact;
  Smish(double a, double b)
      : alpha(this->c(a)), beta(this->c(b)), beta_lo(this->c(b - static_cast<double>(static_cast<Scalar<V>>(b)))),
        bound(static_cast<Scalar<V>>(kExpUnderflow / b)) {
    int ex = 0;
    exact = !is_float<V> || std::frexp(b, &ex) == 0.5;
  }
  struct Parts {
    V num, den, p, e;
  };
  ACTLAB_INLINE static Parts parts(const V& z) {
    const V one(1), two(2), e = exp_neg_abs(z), neg = z < zero<V>();
    const V num = sel(neg, e * fma(V(3), e, two), fma(two, e, V(3)));
    const V den = sel(neg, fma(e, fma(V(5), e, V(6)), two), fma(e, fma(two, e, V(6)), V(5)));
    return {num, den, sel(neg, fma(two, e, one), two + e), e};
  }
  ACTLAB_INLINE static V exp_neg_abs(const V& z) {
    if constexpr (is_float<V>) {
      return exp_fast(at::vec::maximum(z.abs().neg(), V(-87.0f)));  // below, the tail form
    } else {
      return vexp(z.abs().neg());
    }
  }
  // float32: the rounding of z = beta x (x clamped: finite; T is flat above 1e6)
  ACTLAB_INLINE V z_lo(const V& x) const {
    const V xl = clamp(x, V(-bound), V(1e6f));
    return fma(beta, xl, (beta * xl).neg()) + beta_lo * xl;
  }
  ACTLAB_INLINE V f(V x) const {
    const V xc = at::vec::clamp_min(x, V(-bound)), z = beta * xc;
    V t;
    if constexpr (is_float<V>) {
      const auto [num, den, p, e] = parts(z);
      t = num / den;
      if (!exact) {  // T'/T = 4 P (1 + e) e / (D N), with N = e (2 + 3e) below 0: e cancels there
        const V k = V(4) * p * (V(1) + e) * sel(z < zero<V>(), V(1) / fma(V(3), e, V(2)), e / num) / den;
        t = fma(t * k, z_lo(x), t);
      }
    } else {  // the declaration's q / (q + 2), q = s (s + 2)
      const V sg = sigmoid(z), q = sg * (sg + V(2));
      t = q / (q + V(2));
    }
    const V near = xc * t, tail = z < V(kTail);
    if (!any(tail)) return alpha * near;
    return alpha * sel(tail, exp_tail_times(xc, sel(tail, z, zero<V>())), near);
  }
  ACTLAB_INLINE V df(V x) const {
    const V z = clamp(beta * x, V(-kExpUnderflow), V(kExpUnderflow)), tail = z < V(kTail);
    V near;
    if constexpr (is_float<V>) {
      const auto [num, den, p, e] = parts(z);
      const V tp = ((V(4) * z) * (e * p)) * (V(1) + e);  // z T' D^2
      // z < 0: (N D + z T' D^2) / D^2; z >= 0: 3/5 + e (4 z P (1 + e) - (8/5 + 6e/5) D) / D^2 (T -> 3/5, one rounding)
      const V pos = fma(e, fma((V(4) * z) * p, V(1) + e, (fma(V(1.2f), e, V(1.6f)) * den).neg()) / (den * den),
                        V(static_cast<float>(0.6 - static_cast<double>(0.6f))));
      const V sum = sel(z < zero<V>(), fma(num, den, tp) / (den * den), pos + V(0.6f));
      near = slope_near_zero(z, sum, kSmishZeroHi, kSmishZeroLo, kSmishSlopeZero);
    } else {  // the declaration's T + z T_s sigma'(z)
      const V one(1), sg = sigmoid(z), q = sg * (sg + V(2)), d = q + V(2);
      near = q / d + (z * ((V(4) * (one + sg)) / (d * d))) * sigmoid_prime(z);
    }
    if (any(tail)) near = sel(tail, exp_tail_times(V(1) + z, sel(tail, z, zero<V>())), near);
    if (!exact) {  // float32: g(z + lo) = g (1 + g'/g lo), g'/g ~ (2 + z)/(1 + z) where lo matters (z < -3)
      const V far = z < V(-3);
      near = sel(far, fma(near * ((V(2) + z) / (V(1) + z)), z_lo(x), near), near);
    }
    return alpha * near;
  }
  ACTLAB_INLINE V d2f(V x) const {  // alpha beta sigma'(2 T_s + z (T_ss sigma' + T_s (sigma(-z) - sigma(z))))
    const V one(1), z = clamp(beta * x, V(-kExpUnderflow), V(kExpUnderflow));
    const V s = sigmoid(z), ds = sigmoid_prime(z), q = s * (s + V(2)), d = q + V(2);
    const V ts = V(4) * (one + s) / (d * d), tss = V(4) * (one - V(3) * (one + s) * (one + s)) / ((d * d) * d);
    return (alpha * beta) * ds * (V(2) * ts + z * (tss * ds + ts * (sigmoid(z.neg()) - s)));
  }
};

// log1p(s), s = sigma(x) in [0, 1]: float32 by log1p_unit (a polynomial; Sleef's log1p costs 2.5x), float64
// Sleef's (torch's)
template <class V>
ACTLAB_INLINE V log1p_sigmoid(const V& s) {
  if constexpr (is_float<V>) {
    return log1p_unit(s);
  } else {
    return s.log1p();
  }
}

// Logish: x log(1 + sigma(x)), x e^x scaled below -64;  f' = log1p(sigma) + x sigma' / (1 + sigma)
template <class V>
struct Logish : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    const V w = at::vec::clamp_min(x, V(-kExpUnderflow)), near = w * log1p_sigmoid(sigmoid(w)), tail = w < V(kTail);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(w, sel(tail, w, zero<V>())), near);
  }
  ACTLAB_INLINE V df(V x) const {
    const V w = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), s = sigmoid(w);
    const V sum = log1p_sigmoid(s) + (w * sigmoid_prime(w)) / (V(1) + s), tail = w < V(kTail);
    const V near = slope_near_zero(w, sum, kLogishZeroHi, kLogishZeroLo, kLogishSlopeZero);
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(V(1) + w, sel(tail, w, zero<V>())), near);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, V(-kExpUnderflow), V(kExpUnderflow)), s = sigmoid(xc), r = sigmoid_prime(xc) / (V(1) + s);
    return r * ((V(2) + xc * (sigmoid(xc.neg()) - s)) - xc * r);
  }
};

// GoLU: x alpha e^{-E}, E = beta e^{-gamma x};  f' = alpha e^{-E}(1 + gamma x E);  f'' = gamma alpha e^{-E} E (2 - z + z E),
// z = gamma x. float32: e^{-E} amplifies the rounding of E E times, so E = beta e^{-gamma x} is carried as hi + lo
// (gamma x's rounding, exp_split's e^y = eh + el, beta's product) into mul_exp's exponent
template <class V>
struct GoLU : Act<V> {
  V alpha, beta, beta_lo, gamma, gamma_lo, lo_x, hi_x;
  GoLU(double a, double b, double g)
      : alpha(this->c(a)), beta(this->c(b)), beta_lo(this->c(b - static_cast<double>(static_cast<Scalar<V>>(b)))),
        gamma(this->c(g)), gamma_lo(this->c(g - static_cast<double>(static_cast<Scalar<V>>(g)))),
        lo_x(this->c((std::log(b) - std::log(kExpUnderflow)) / g)), hi_x(this->c((std::log(b) + kExpUnderflow) / g)) {}
  // E = Eh + El for x clamped to [lo_x, hi_x] (float32)
  ACTLAB_INLINE std::pair<V, V> big_e(const V& xc) const {
    const V y = (gamma * xc).neg(), y_lo = (fma(gamma, xc, y) + gamma_lo * xc).neg();  // -gamma x = y + y_lo
    const V yc = clamp(y, V(-120.0f), V(88.0f));
    const auto [eh, el] = exp_split(yc);
    const V eh_hi = beta * eh;
    return {eh_hi, (fma(beta, eh, eh_hi.neg()) + beta_lo * eh) + beta * fma(eh, y_lo, el)};
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {
      const V xc = at::vec::clamp_min(x, lo_x);
      const auto [e, e_lo] = big_e(at::vec::clamp_max(xc, hi_x));  // finite: e^{-E} = 1 above
      const V y = copysign(mul_exp(alpha * xc, e.neg(), e_lo.neg()), xc);  // x's sign, -0 too
      return sel(x > hi_x, alpha * x, y);
    } else {  // the declaration's (e^{-gamma x} by exp_libm: e^{-E} amplifies its rounding E times)
      const V w = at::vec::clamp_min(x, lo_x);
      return alpha * times_exp_neg(w, beta * exp_libm((gamma * w).neg()));
    }
  }
  ACTLAB_INLINE V df(V x) const {
    const V xc = clamp(x, lo_x, hi_x);
    if constexpr (is_float<V>) {
      const auto [e, e_lo] = big_e(xc);
      return mul_exp(alpha * fma(gamma * xc, e, V(1.0f)), e.neg(), e_lo.neg());
    } else {
      const V e = beta * exp_libm((gamma * xc).neg());
      return alpha * times_exp_neg(V(1) + (gamma * xc) * e, e);
    }
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, lo_x, hi_x), z = gamma * xc;
    V e;
    if constexpr (is_float<V>) {
      e = beta * vexp(z.neg());
    } else {
      e = beta * exp_libm(z.neg());
    }
    return (gamma * alpha) * times_exp_neg(e * ((V(2) - z) + z * e), e);
  }
  // a e^{-e} for 0 <= e <= 800 (_times_exp_neg): scaled out of the subnormals beyond e = 64
  ACTLAB_INLINE static V times_exp_neg(const V& a, const V& e) {
    const V tail = e > V(-kTail), near = a * vexp(e.neg());
    if (!any(tail)) return near;
    return sel(tail, exp_tail_times(a, sel(tail, e.neg(), zero<V>())), near);
  }
};

inline constexpr double kErfFlat = 40.0;  // erf(u) = 1, u e^{-u^2} = 0 in float64 for u >= 40

inline constexpr float kErfTail = -60.0f;  // b x below: e^{bx} by mul_exp (subnormal results); above every term is normal

// ErfAct: x erf(u), u = a e^{bx};  f' = erf(u) + (2/sqrt pi) b x u e^{-u^2};  f'' = (2/sqrt pi) b u e^{-u^2}(2 + bx(1 - 2u^2)).
// float32, one e^{bx} and one e^{-u^2} per element, both normal floats (no Sleef erf/expm1: both cost several exps):
// y = b x as y + y_lo, u = a e^{y + y_lo} rounded once (mul_exp's reduction, a's rounding folded into y_lo: about 1 ulp,
// which erf(u) does not amplify), E = e^{-u^2} (f' only; u clamped to [2^-20, 9], its square as hi + lo),
// c = 2/sqrt pi as hi + lo. For u < 1, erf(u) = c u Q(v), Q = 1 + v P(v) (v = u^2), and f' = c u B with the bracket
// B = Q + y e^{-v}, which cancels near the zero of f', as (1 + y) + ((Q - 1) + y expm1(-v)) + y_lo e^{-v} (expm1 by its
// polynomial below ln 2, E - 1 above). For u >= 1, erf(u) = 1 - erfc(u) by SERF's polynomial (no exponential, no
// division), f' = erf(u) + c E (y u + y_lo u). Below b x = -60 (f subnormal further down)
// c a e^{y + y_lo} by mul_exp, one rounding. float64: the declaration's, e^{bx} by exp_libm
template <class V>
struct ErfAct : Act<V> {
  V a, a_rel, b, b_lo, lo_x, hi_x, two_a, two_a_rel, c_b;
  double b64;
  ErfAct(double av, double bv)
      : a(this->c(av)), a_rel(this->c((av - static_cast<double>(static_cast<Scalar<V>>(av))) / av)), b(this->c(bv)),
        b_lo(this->c(bv - static_cast<double>(static_cast<Scalar<V>>(bv)))),
        lo_x(this->c((-kExpUnderflow - std::log(av)) / bv)), hi_x(this->c((std::log(kErfFlat) - std::log(av)) / bv)),
        two_a(this->c(kTwoOverSqrtPi * av)),
        two_a_rel(this->c((kTwoOverSqrtPi * av - static_cast<double>(static_cast<Scalar<V>>(kTwoOverSqrtPi * av))) /
                          (kTwoOverSqrtPi * av))),
        c_b(this->c(kTwoOverSqrtPi * bv)), b64(bv) {}
  // float32, xc finite: b x = y + y_lo, u = a e^{y + y_lo} (about 1 ulp for b x >= -60), c u = p + p_lo
  struct Parts {
    V y, y_lo, uh, p, p_lo;
  };
  ACTLAB_INLINE Parts parts(const V& xc) const {
    const V y = b * xc, y_lo = fma(b, xc, y.neg()) + b_lo * xc;
    const V uh = mul_exp_in_range(a, clamp(y, V(kErfTail), V(88.0f)), y_lo + a_rel);
    const V p = kTwoOverSqrtPiHi * uh;
    return {y, y_lo, uh, p, fma(kTwoOverSqrtPiHi, uh, p.neg()) + kTwoOverSqrtPiLo * uh};
  }
  // erf(u) for u >= 1: 1 - erfc(u) by SERF's kSerfErfcMid (u clamped to [1, 3.92]: erf = 1 beyond)
  ACTLAB_INLINE static V erf_big(const V& u) {
    return V(1.0f) - horner(clamp(u, V(1.0f), V(3.92f)) - V(2.46f), kSerfErfcMid);
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {
      const V xc = at::vec::clamp_min(x, lo_x);
      const Parts s = parts(at::vec::clamp_max(xc, hi_x));
      const V uc = clamp(s.uh, V(9.5367431640625e-07f), V(1.0f)), v = uc * uc;
      const V q = fma(v, horner(v, kErfOverU), V(1.0f)), below = s.uh < V(1.0f), small = fma(s.p, q, s.p_lo * q);
      V out = xc * (all(below) ? small : sel(below, small, erf_big(s.uh)));
      const V tail = s.y < V(kErfTail);
      if (any(tail)) out = sel(tail, mul_exp(two_a * xc, s.y, s.y_lo + two_a_rel), out);
      return out | sign_bit(xc);  // x's sign, -0 too (erf(u) > 0)
    } else {
      const V w = at::vec::clamp_min(x, lo_x);
      return w * (a * exp_libm(b * w)).erf();
    }
  }
  // f' from E = e^{-u^2} (u clamped to [2^-20, 9], its square as hi + lo; to 1 ulp): c u B below u = 1 (p_lo
  // dropped: f' has its 16-ulp budget), erf(u) + c E (y u + y_lo u) above
  ACTLAB_INLINE V df(V x) const {
    const V xc = clamp(x, lo_x, hi_x);
    if constexpr (is_float<V>) {
      const Parts s = parts(xc);
      const V one(1.0f), y = s.y;
      const V uc = clamp(s.uh, V(9.5367431640625e-07f), V(9.0f)), v = uc * uc, vl = fma(uc, uc, v.neg());
      const V e = mul_exp_nonpos(one, v.neg(), vl.neg());
      const V qm = v * horner(v, kErfOverU);  // Q - 1
      const V em1 = sel(v <= V(0.69314718f), fma(v * v, horner(v.neg(), kExpm1Small), v.neg()), e - one);
      const V bracket = ((one + y) + fma(y, em1, qm)) + s.y_lo * (one + em1);
      const V small = s.p * bracket, below = s.uh < one;
      V out = small;
      if (!all(below)) {
        const V big = fma(kTwoOverSqrtPiHi * e, fma(y, s.uh, s.y_lo * s.uh), erf_big(s.uh));
        out = sel(below, small, sel(x > hi_x, one, big));
      }
      const V tail = y < V(kErfTail);
      if (any(tail)) out = sel(tail, mul_exp(two_a * ((one + y) + s.y_lo), y, s.y_lo + two_a_rel), out);
      return out;
    } else {
      const V u = a * exp_libm(b * xc), gate = (a * exp_libm(b * at::vec::clamp_min(x, lo_x))).erf();
      return gate + ((V(kTwoOverSqrtPi * b64) * xc) * u) * vexp((u.neg()) * u);
    }
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V xc = clamp(x, lo_x, hi_x);
    V u;
    if constexpr (is_float<V>) {
      u = a * vexp(b * xc);
    } else {
      u = a * exp_libm(b * xc);
    }
    return (c_b * u) * vexp(u.neg() * u) * (V(2) + (b * xc) * (V(1) - (V(2) * u) * u));
  }
};

template struct Elementwise<SiLU>;
template struct Elementwise<Swish, double>;
template struct Elementwise<QuickGELU>;
template struct Elementwise<GELU, c10::string_view>;
template struct Elementwise<Mish>;
template struct Elementwise<Hardswish>;
template struct Elementwise<SmoothHardswish>;
template struct Elementwise<SERF>;
template struct Elementwise<HardMish>;
template struct Elementwise<ESwish, double>;
template struct Elementwise<FlattenTSwish, double>;
template struct Elementwise<ELiSH>;
template struct Elementwise<HardELiSH>;
template struct Elementwise<LiSHT>;
template struct Elementwise<TanhExp>;
template struct Elementwise<TeLU>;
template struct Elementwise<Smish, double, double>;
template struct Elementwise<Logish>;
template struct Elementwise<GoLU, double, double, double>;
template struct Elementwise<ErfAct, double, double>;
template struct Elementwise<ClippedGELU, double, double>;
template struct Elementwise<Phish>;
template struct SplitGate<SiLU>;
template struct SplitGate<GELU, c10::string_view>;

// GammaAct's kernels for timm's names of this family (scaled.h)
ACTLAB_SCALED(GELU, kGeluNone)
ACTLAB_SCALED(GELU, kGeluTanh)
ACTLAB_SCALED(QuickGELU)
ACTLAB_SCALED(SiLU)
ACTLAB_SCALED(Mish)
ACTLAB_SCALED(Hardswish)
ACTLAB_SCALED(HardMish)

// ==== learnable (kinds.Parametric) kernels: parametric_impl.h =====================================
// SinLU (gated.py's _sinlu): f = u sigma(x), u = x + a sin(bx), x clipped at -800;
// df/dx = u_x sigma + u sigma', u_x = 1 + ab cos(bx) = (1 - ab) + 2ab cos^2(bx/2), cos^2(t/2) =
// (1 + cos t)/2, or sin^2 t / (2(1 - cos t)) where cos t < 0 (no cancellation: the declaration's);
// df/da = sin(bx) sigma, df/db = a x cos(bx) sigma. sin, cos: trig.h; sigma, sigma': act.h
// (float32 without float64; below x = -80, where sigma = sigma' = e^x, each product is one
// mul_exp: rounded once into the subnormals).
template <class V>
struct SinLU : Act<V> {
  static constexpr std::size_t K = 2;
  using S = Scalar<V>;
  V a, b, ab;
  explicit SinLU(const V* w) : a(w[0]), b(w[1]), ab(w[0] * w[1]) {}
  ACTLAB_INLINE V f(V x) const {
    const V xc = at::vec::clamp_min(x, V(S(-800))), t = b * xc;
    const V sn = sin_of_product(b, xc, t);
    V y = (xc + a * sn) * sigmoid(xc);
    if constexpr (is_float<V>) {
      const V far = xc < V(-80.0f);  // sigma(x) = e^x to float32: u e^x rounded once (subnormals)
      if (any(far)) y = sel(far, mul_exp(xc + a * sn, xc, zero<V>()), y);
    }
    return sel(x == V(std::numeric_limits<S>::infinity()), x, y);
  }
  // u_x = 1 + ab cos(bx) = (1 - ab) + ab 2cos^2(bx/2) (2 cos^2(t/2) = 1 + cos t, or sin^2 t / (1 - cos t)
  // where cos t < 0)
  ACTLAB_INLINE V ux_of(const V& sn, const V& cs) const {
    const V one(S(1));
    const V half_cos2 = sel(cs >= zero<V>(), one + cs, (sn * sn) / (one - cs));  // 2 cos^2(t/2)
    return (one - ab) + ab * half_cos2;
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V xc = at::vec::clamp_min(x, V(S(-800))), t = b * xc;
    const auto [sn, cs] = sin_cos_of_product(b, xc, t);
    const V ux = ux_of(sn, cs);
    V fa, fb, fx;
    if constexpr (is_float<V>) {
      V s;
      std::tie(fx, s) = df_float32(xc, sn, cs, ux, sigma_float32(xc));
      fa = sn * s;
      fb = ((a * xc) * cs) * s;
      const V far = xc < V(-80.0f);  // sigma = sigma' = e^x to float32: each product rounded once
      if (any(far)) {
        fa = sel(far, mul_exp(sn, xc, zero<V>()), fa);
        fb = sel(far, mul_exp((a * xc) * cs, xc, zero<V>()), fb);
        fx = sel(far, mul_exp(ux + (xc + a * sn), xc, zero<V>()), fx);
      }
    } else {
      const V s = sigmoid(xc), u = xc + a * sn;
      fa = sn * s;
      fb = ((a * xc) * cs) * s;
      fx = ux * s + u * sigmoid_prime(xc);
    }
    gw[0] = g * fa;
    gw[1] = g * fb;
    return g * fx;
  }
  // The double backward: with u_xx = -ab^2 sin, u_a = sin, u_b = ax cos, u_xa = b cos, u_xb = a cos - abx sin,
  // u_ab = x cos, u_bb = -ax^2 sin (sin, cos of bx) and sigma'' = sigma' (sigma(-x) - sigma(x)):
  //   f_xx = u_xx sigma + 2u_x sigma' + u sigma'', f_xa = u_xa sigma + u_a sigma', f_xb = u_xb sigma + u_b sigma',
  //   f_aa = 0, f_ab = u_ab sigma, f_bb = u_bb sigma.
  // float64: the declaration's expressions and order. float32: sigma, sigma(-x) and sigma(-x) - sigma(x)
  // from sigma_float32 (one exponential, one division; the difference without its cancellation at 0),
  // the partials as sigma times brackets, d/dg with df_float32's f', the sums of products by FMA; above
  // x = 1e15 and below x = -80 as stated there.
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    const V xc = at::vec::clamp_min(x, V(S(-800))), t = b * xc, z = zero<V>(), ta = tw[0], tb = tw[1];
    const auto [sn, cs] = sin_cos_of_product(b, xc, t);
    const V ux = ux_of(sn, cs), u = xc + a * sn;
    if constexpr (is_float<V>) {
      const Sigma sg = sigma_float32(xc);
      const auto [fx, s] = df_float32(xc, sn, cs, ux, sg);
      // sigma' = s c, sigma'' = s c (c - s), c = sigma(-x): each partial is s times a bracket, whose
      // terms then carry no independent roundings of sigma, sigma', sigma'' (they cancel, 3-fold in
      // f_xx at x = -7)
      const V c = sg.neg, d = sg.diff;
      const V ub = (a * xc) * cs, uxx = ((a.neg() * b) * b) * sn, uxa = b * cs;
      const V uxb = a * cs - ((ab * xc) * sn), uab = xc * cs, ubb = ((a.neg() * xc) * xc) * sn;
      const V kxx = fma(c, fma(u, d, V(2.0f) * ux), uxx);  // f_xx / sigma = u_xx + c (2u_x + u (c - s))
      const V kxa = fma(sn, c, uxa), kxb = fma(ub, c, uxb);  // f_xa / sigma, f_xb / sigma
      const V dxs = fma(tx, kxx, fma(ta, kxa, tb * kxb)), das = fma(tx, kxa, tb * uab);
      const V dbs = fma(tx, kxb, fma(ta, uab, tb * ubb)), dgs = fma(ta, sn, tb * ub);
      V dxv = dxs * s, da = das * s, db = dbs * s, dgv = fma(tx, fx, dgs * s);
      const V far = xc < V(-80.0f), huge = xc > V(1e15f);
      if (any(far)) {  // x < -80: sigma = e^x to float32 (c = c - s = 1), each times e^x rounded once
        dxv = sel(far, mul_exp(dxs, xc, z), dxv);
        da = sel(far, mul_exp(das, xc, z), da);
        db = sel(far, mul_exp(dbs, xc, z), db);
        dgv = sel(far, mul_exp(fma(tx, fma(u, c, ux), dgs), xc, z), dgv);
      }
      if (any(huge)) {
        // x > 1e15: sigma = 1, c = 0 (also in float64); each tangent component multiplied in first: a
        // zero one stays 0 where a product with x overflows float32 (the declaration's float64 does not)
        const V tba = tb * a, txa = tx * a;
        const V ub_tb = (tba * xc) * cs;                                     // tb u_b
        const V uxb_tb = tba * cs - ((tba * b) * xc) * sn;                   // tb u_xb
        const V uxb_tx = txa * cs - ((txa * b) * xc) * sn;                   // tx u_xb
        const V uab_ta = (ta * xc) * cs, uab_tb = (tb * xc) * cs;            // ta u_ab, tb u_ab
        const V ubb_tb = ((tba.neg() * xc) * xc) * sn;                       // tb u_bb
        dxv = sel(huge, ((((txa.neg() * b) * b) * sn) + ta * uxa) + uxb_tb, dxv);
        da = sel(huge, tx * uxa + uab_tb, da);
        db = sel(huge, (uxb_tx + uab_ta) + ubb_tb, db);
        dgv = sel(huge, (tx * ux + ta * sn) + ub_tb, dgv);
      }
      dg = dgv;
      gw[0] = g * da;
      gw[1] = g * db;
      return g * dxv;
    } else {
      const V s = sigmoid(xc), e = vexp(xc.abs().neg()), ds = sigmoid_prime_from(e);
      const V s_neg = sel(xc <= z, V(1.0) / (V(1.0) + e), e / (V(1.0) + e));
      const V d2s = ds * (s_neg - s);
      const V ub = (a * xc) * cs, uxx = ((a.neg() * b) * b) * sn, uxa = b * cs;
      const V uxb = a * cs - ((ab * xc) * sn), uab = xc * cs, ubb = ((a.neg() * xc) * xc) * sn;
      const V fx = ux * s + u * ds, fa = sn * s, fb = ub * s;
      const V fxx = (uxx * s + (V(2.0) * ux) * ds) + u * d2s;
      const V fxa = uxa * s + sn * ds, fxb = uxb * s + ub * ds, fab = uab * s, fbb = ubb * s;
      dg = (tx * fx + ta * fa) + tb * fb;
      gw[0] = g * ((tx * fxa + ta * z) + tb * fab);
      gw[1] = g * ((tx * fxb + ta * fab) + tb * fbb);
      return g * ((tx * fxx + ta * fxa) + tb * fxb);
    }
  }
  // float32 sigma = sh + sl, sigma' = dsh + dsl, sigma(-x) and sigma(-x) - sigma(x) = -tanh(x/2) (no
  // cancellation at 0): r = 1/(1 + e), q = e/(1 + e), e = e^-|x| as hi + lo (exp_split; one division:
  // q = e r and the low parts by residuals times r); sigma = q or r, sigma' = q r, sigma(-x) - sigma(x)
  // = +-(e - 1) r
  struct Sigma {
    V sh, sl, dsh, dsl, neg, diff;  // neg: sigma(-x)
  };
  static ACTLAB_INLINE Sigma sigma_float32(const V& x) {
    const V one(1.0f);
    const auto [eh, el] = exp_split(clamp(x.abs().neg(), V(-120.0f), zero<V>()));
    const V dh = one + eh, dl = ((one - dh) + eh) + el;  // 1 + e (Fast2Sum)
    const V rh = one / dh, rl = (fma(rh.neg(), dh, one) - rh * dl) * rh;
    const V qh = eh * rh, ql = ((fma(qh.neg(), dh, eh) + el) - qh * dl) * rh;
    const V dsh = qh * rh, dsl = fma(qh, rh, dsh.neg()) + (qh * rl + ql * rh);  // sigma'
    const V pos = x >= zero<V>(), em1 = ((eh - one) + el) * rh;
    return {sel(pos, rh, qh), sel(pos, rl, ql), dsh, dsl, sel(pos, qh, rh), sel(pos, em1, em1.neg())};
  }
  // float32 df/dx = u_x sigma + u sigma' in double-float (it cancels near the zeros of f', 13-fold
  // at x = -3.05 for b = 2), sigma and sigma' from sigma_float32; u = x + a sin(bx) and u_x =
  // 1 + ab cos(bx) (where cos >= 0; else the declaration's form) as hi + lo by FMA residuals; what is
  // left is Sleef's sin and cos. Returns f' and sigma
  ACTLAB_INLINE std::pair<V, V> df_float32(const V& x, const V& sn, const V& cs, const V& ux_plain,
                                           const Sigma& sg) const {
    const V one(1.0f);
    const V sh = sg.sh, sl = sg.sl, dsh = sg.dsh, dsl = sg.dsl;
    const V ph = a * sn, uh = x + ph, b1 = uh - x;
    const V ul = ((x - (uh - b1)) + (ph - b1)) + fma(a, sn, ph.neg());
    const V abl = fma(a, b, ab.neg()), vh = fma(ab, cs, one), vl = (fma(ab, cs, one - vh)) + abl * cs;
    const V use = cs >= zero<V>(), uxh = sel(use, vh, ux_plain), uxl = sel(use, vl, zero<V>());
    const V p1 = uxh * sh, p1l = fma(uxh, sh, p1.neg()) + (uxh * sl + uxl * sh);
    const V p2 = uh * dsh, p2l = fma(uh, dsh, p2.neg()) + (uh * dsl + ul * dsh);
    const V sum = p1 + p2, b2 = sum - p1, err = (p1 - (sum - b2)) + (p2 - b2);
    return {sum + (err + (p1l + p2l)), sh + sl};
  }
};
template struct ParametricOps<SinLU, std::make_index_sequence<2>>;

}  // namespace actlab
