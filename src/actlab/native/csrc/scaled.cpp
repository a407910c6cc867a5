// The scaled family (activations/scaled.py): GammaAct, gamma a(x) for timm's activation names. Its ops
// pick, once per call, the kernels of Scaled<A, p...> (scaled.h) for act_type: A the struct of the
// declaration that activations/scaled.py's ACTS names, p its parameters there, each instantiated in
// A's family's .cpp. GammaAct itself has no per-element struct of its own (the name is the ops' tag):
// its ops are the explicit specializations below.
#include <ATen/core/Tensor.h>

#include <tuple>

#include "elementwise_impl.h"
#include "scaled.h"

namespace actlab {

template <class V>
struct GammaAct;

// timm's "identity" (activations/scaled.py's _Identity): x;  f' = 1;  f'' = 0
template <class V>
struct Identity : Piecewise<V> {
  ACTLAB_INLINE V f(V x) const { return x; }
  ACTLAB_INLINE V df(V) const { return V(1); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
};

ACTLAB_SCALED(Identity)

#define ACTLAB_DECLARE(Act) \
  template <class V>        \
  struct Act;
ACTLAB_DECLARE(ReLU)
ACTLAB_DECLARE(ReLU6)
ACTLAB_DECLARE(LeakyReLU)
ACTLAB_DECLARE(ELU)
ACTLAB_DECLARE(CELU)
ACTLAB_DECLARE(SELU)
ACTLAB_DECLARE(Softplus)
ACTLAB_DECLARE(GELU)
ACTLAB_DECLARE(QuickGELU)
ACTLAB_DECLARE(SiLU)
ACTLAB_DECLARE(Mish)
ACTLAB_DECLARE(Hardswish)
ACTLAB_DECLARE(HardMish)
ACTLAB_DECLARE(Sigmoid)
ACTLAB_DECLARE(Tanh)
ACTLAB_DECLARE(Softsign)
ACTLAB_DECLARE(LogSigmoid)
ACTLAB_DECLARE(Hardsigmoid)
#undef ACTLAB_DECLARE

// instantiated in the families' .cpp
ACTLAB_SCALED_EXTERN(ReLU)
ACTLAB_SCALED_EXTERN(ReLU6)
ACTLAB_SCALED_EXTERN(LeakyReLU, 0.01)
ACTLAB_SCALED_EXTERN(ELU, 1.0)
ACTLAB_SCALED_EXTERN(CELU, 1.0)
ACTLAB_SCALED_EXTERN(SELU)
ACTLAB_SCALED_EXTERN(Softplus, 1.0, 20.0)
ACTLAB_SCALED_EXTERN(GELU, kGeluNone)
ACTLAB_SCALED_EXTERN(GELU, kGeluTanh)
ACTLAB_SCALED_EXTERN(QuickGELU)
ACTLAB_SCALED_EXTERN(SiLU)
ACTLAB_SCALED_EXTERN(Mish)
ACTLAB_SCALED_EXTERN(Hardswish)
ACTLAB_SCALED_EXTERN(HardMish)
ACTLAB_SCALED_EXTERN(Sigmoid)
ACTLAB_SCALED_EXTERN(Tanh)
ACTLAB_SCALED_EXTERN(Softsign)
ACTLAB_SCALED_EXTERN(LogSigmoid)
ACTLAB_SCALED_EXTERN(Hardsigmoid)

// The ops of gamma A(p...) for one act_type
struct GammaOps {
  const char* name;
  at::Tensor (*f)(const at::Tensor&, double);
  at::Tensor& (*f_)(at::Tensor&, double);
  at::Tensor (*backward)(const at::Tensor&, const at::Tensor&, double);
  std::tuple<at::Tensor, at::Tensor> (*double_backward)(const at::Tensor&, const at::Tensor&, const at::Tensor&, double);
  at::Tensor (*double_backward_x)(const at::Tensor&, const at::Tensor&, const at::Tensor&, double);
};

template <template <class> class A, auto... p>
constexpr GammaOps ops_of(const char* name) {
  using E = Elementwise<Scaled<A, p...>::template Of, double>;
  return {name, &E::f, &E::f_, &E::backward, &E::double_backward, &E::double_backward_x};
}

// activations/scaled.py's ACTS (tests/native/test_gamma_act.py checks every name against its declaration)
const GammaOps kGammaOps[] = {
    ops_of<Identity>("identity"),     ops_of<ReLU>("relu"),           ops_of<ReLU6>("relu6"),
    ops_of<LeakyReLU, 0.01>("leaky_relu"), ops_of<ELU, 1.0>("elu"),   ops_of<CELU, 1.0>("celu"),
    ops_of<SELU>("selu"),             ops_of<GELU, kGeluNone>("gelu"), ops_of<GELU, kGeluTanh>("gelu_tanh"),
    ops_of<QuickGELU>("quick_gelu"),  ops_of<SiLU>("silu"),           ops_of<SiLU>("swish"),
    ops_of<Mish>("mish"),             ops_of<Sigmoid>("sigmoid"),     ops_of<Tanh>("tanh"),
    ops_of<Softplus, 1.0, 20.0>("softplus"), ops_of<Softsign>("softsign"), ops_of<LogSigmoid>("log_sigmoid"),
    ops_of<Hardsigmoid>("hard_sigmoid"), ops_of<Hardswish>("hard_swish"), ops_of<HardMish>("hard_mish"),
};

const GammaOps& gamma_ops(c10::string_view act_type) {
  for (const GammaOps& o : kGammaOps) {
    if (act_type == o.name) return o;
  }
  TORCH_CHECK(false, "GammaAct: unknown act_type '", act_type, "'");
}

using GammaElementwise = Elementwise<GammaAct, c10::string_view, double>;

template <>
at::Tensor GammaElementwise::f(const at::Tensor& x, c10::string_view act_type, double gamma) {
  return gamma_ops(act_type).f(x, gamma);
}

template <>
at::Tensor& GammaElementwise::f_(at::Tensor& x, c10::string_view act_type, double gamma) {
  return gamma_ops(act_type).f_(x, gamma);
}

template <>
at::Tensor GammaElementwise::backward(const at::Tensor& g, const at::Tensor& x, c10::string_view act_type, double gamma) {
  return gamma_ops(act_type).backward(g, x, gamma);
}

template <>
std::tuple<at::Tensor, at::Tensor> GammaElementwise::double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                                     const at::Tensor& x, c10::string_view act_type,
                                                                     double gamma) {
  return gamma_ops(act_type).double_backward(gg, g, x, gamma);
}

template <>
at::Tensor GammaElementwise::double_backward_x(const at::Tensor& gg, const at::Tensor& g, const at::Tensor& x,
                                               c10::string_view act_type, double gamma) {
  return gamma_ops(act_type).double_backward_x(gg, g, x, gamma);
}

// no derivative written with the output (GammaAct has no df_y): never registered (list.h)
template <>
at::Tensor GammaElementwise::backward_y(const at::Tensor&, const at::Tensor&, c10::string_view, double) {
  TORCH_CHECK(false, "actlab: GammaAct has no derivative written with its output");
}

template <>
std::tuple<at::Tensor, at::Tensor> GammaElementwise::double_backward_y(const at::Tensor&, const at::Tensor&,
                                                                       const at::Tensor&, c10::string_view, double) {
  TORCH_CHECK(false, "actlab: GammaAct has no derivative written with its output");
}

template <>
at::Tensor GammaElementwise::double_backward_x_y(const at::Tensor&, const at::Tensor&, const at::Tensor&,
                                                 c10::string_view, double) {
  TORCH_CHECK(false, "actlab: GammaAct has no derivative written with its output");
}

template struct Elementwise<GammaAct, c10::string_view, double>;

}  // namespace actlab
