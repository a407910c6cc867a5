// The one list of the learnable (kinds.Parametric) activations with kernels, by family (the struct,
// named as the declaration's class, is in <family>.cpp with its `template struct ParametricOps<...>;`):
// X(op name, struct, number of learnable tensors). Each gets fn, fn_backward and fn_double_backward
// (parametric.h); fn_triple_backward stays the declaration's composite. register.cpp registers them;
// tests/activations/test_families.py checks names and files against the registry.
#pragma once

#define ACTLAB_PARAMETRIC(X) \
  /* rectifier.cpp */        \
  X(star_relu, StarReLU, 2)  \
  X(smu, SMU, 1)             \
  X(tlu, TLU, 1)             \
  /* exponential.cpp */      \
  X(xielu, xIELU, 2)         \
  /* gated.cpp */            \
  X(sinlu, SinLU, 2)         \
  /* periodic.cpp */         \
  X(snake, Snake, 1)         \
  /* learnable.cpp */        \
  X(soft_exponential, SoftExponential, 1) \
  X(pelu, PELU, 2)           \
  X(mpelu, MPELU, 2)         \
  X(srelu, SReLU, 4)         \
  X(arelu, AReLU, 2)         \
  X(acon, ACON, 3)           \
  X(apl, APL, 2)             \
  X(pau, PAU, 2)             \
  X(rational, Rational, 2)
