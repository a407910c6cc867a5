// gamma times an activation, for GammaAct (scaled.cpp): Scaled<A, p...>::Of<V> is the activation A<V>
// constructed from the constant parameters p... (the declaration's defaults, as activations/scaled.py's
// ACTS resolves timm's names), its f, f', f'' times gamma, with A's traits (piecewise linear, computed or
// tabulated bfloat16/half). Its ops, Elementwise<Scaled<A, p...>::Of, double> (gamma the one parameter),
// are instantiated beside A in A's family's .cpp (ACTLAB_SCALED), where A is defined.
#pragma once

#include "act.h"

namespace actlab {

template <template <class> class A, auto... p>
struct Scaled {
  template <class V>
  struct Of : Act<V> {
    static constexpr bool linear = A<V>::linear;
    static constexpr bool direct_half = A<V>::direct_half;
    static constexpr bool tabulate = A<V>::tabulate;
    A<V> a;
    V gamma;
    explicit Of(double g) : a(p...), gamma(Act<V>::c(g)) {}
    ACTLAB_INLINE V f(V x) const { return gamma * a.f(x); }
    ACTLAB_INLINE V df(V x) const { return gamma * a.df(x); }
    ACTLAB_INLINE V d2f(V x) const { return gamma * a.d2f(x); }
  };
};

// the constant string parameter of GELU's forms
inline constexpr char kGeluNone[] = "none";
inline constexpr char kGeluTanh[] = "tanh";

}  // namespace actlab

// the ops of gamma A(p...), instantiated in A's family's .cpp
#define ACTLAB_SCALED(...) template struct Elementwise<Scaled<__VA_ARGS__>::Of, double>;
#define ACTLAB_SCALED_EXTERN(...) extern template struct Elementwise<Scaled<__VA_ARGS__>::Of, double>;
