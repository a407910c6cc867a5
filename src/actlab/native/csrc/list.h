// The one list of the activations with kernels, by family (activations/<family>.py: the struct,
// named as the declaration's class, is in <family>.cpp). Elementwise: X(op name, struct, ops beyond
// f/backward/double_backward/double_backward_x, parameter types in schema order); kY: the *_y ops
// (the declaration has df_y); kInplace: fn_ (the declaration has inplace). Split gates: X(op name,
// the gate's struct, the gate's parameter types after dim). Must match the Python definitions
// (ops/elementwise.py, ops/vector.py); tests/native check both ways, tests/native/test_layout.py
// the names and files against the registry. A new kernel: its struct in the family's .cpp, its
// `template struct Elementwise<...>;` there, and a line here.
#pragma once

namespace actlab {

enum Extra : int { kNone = 0, kY = 1, kInplace = 2 };

}  // namespace actlab

#define ACTLAB_SPLIT_GATES(X) \
  X(glu, Sigmoid)             \
  X(swiglu, SiLU)             \
  X(reglu, ReLU)              \
  X(geglu, GELU, c10::string_view)

#define ACTLAB_ELEMENTWISE(X)                                 \
  /* sigmoidal.cpp */                                         \
  X(sigmoid, Sigmoid, kNone)                                  \
  X(tanh, Tanh, kNone)                                        \
  X(softsign, Softsign, kNone)                                \
  X(hardsigmoid, Hardsigmoid, kY | kInplace)                  \
  X(hardtanh, Hardtanh, kY | kInplace, double, double)        \
  X(logsigmoid, LogSigmoid, kNone)                            \
  X(dsilu, DSiLU, kNone)                                      \
  X(isru, ISRU, kNone, double)                                \
  X(sqnl, SQNL, kNone)                                        \
  X(elliott, Elliott, kNone)                                  \
  X(arctan, ArcTan, kNone)                                    \
  X(lecun_tanh, LeCunTanh, kNone)                             \
  X(penalized_tanh, PenalizedTanh, kNone, double)             \
  X(cloglog, CLogLog, kNone)                                  \
  X(soft_clipping, SoftClipping, kNone, double)               \
  /* rectifier.cpp */                                         \
  X(threshold, Threshold, kInplace, double, double)           \
  X(relu, ReLU, kY | kInplace)                                \
  X(relu6, ReLU6, kY | kInplace)                              \
  X(leaky_relu, LeakyReLU, kY | kInplace, double)             \
  X(rrelu, RReLU, kY | kInplace, double, double)              \
  X(squared_relu, SquaredReLU, kNone)                         \
  X(smelu, SmeLU, kNone, double)                              \
  X(nlrelu, NLReLU, kNone, double)                            \
  X(isrlu, ISRLU, kNone, double)                              \
  X(repu, RePU, kNone, double)                                \
  X(relun, ReLUN, kY | kInplace, double)                      \
  X(bent_identity, BentIdentity, kNone)                       \
  /* exponential.cpp */                                       \
  X(elu, ELU, kY | kInplace, double)                          \
  X(celu, CELU, kY | kInplace, double)                        \
  X(selu, SELU, kY | kInplace)                                \
  X(softplus, Softplus, kNone, double, double)                \
  X(squareplus, Squareplus, kNone, double)                    \
  X(shifted_softplus, ShiftedSoftplus, kNone)                 \
  /* gated.cpp */                                             \
  X(silu, SiLU, kInplace)                                     \
  X(swish, Swish, kNone, double)                              \
  X(quick_gelu, QuickGELU, kNone)                             \
  X(gelu, GELU, kNone, c10::string_view)                      \
  X(mish, Mish, kInplace)                                     \
  X(hardswish, Hardswish, kInplace)                           \
  X(smooth_hardswish, SmoothHardswish, kNone)                 \
  X(serf, SERF, kNone)                                        \
  X(hard_mish, HardMish, kNone)                               \
  X(eswish, ESwish, kNone, double)                            \
  X(flatten_t_swish, FlattenTSwish, kNone, double)            \
  X(elish, ELiSH, kNone)                                      \
  X(hard_elish, HardELiSH, kNone)                             \
  X(lisht, LiSHT, kNone)                                      \
  X(tanh_exp, TanhExp, kNone)                                 \
  X(telu, TeLU, kNone)                                        \
  X(smish, Smish, kNone, double, double)                      \
  X(logish, Logish, kNone)                                    \
  X(golu, GoLU, kNone, double, double, double)                \
  X(erf_act, ErfAct, kNone, double, double)                   \
  X(clipped_gelu, ClippedGELU, kNone, double, double)         \
  X(phish, Phish, kNone)                                      \
  /* shrinkage.cpp */                                         \
  X(hardshrink, Hardshrink, kNone, double)                    \
  X(softshrink, Softshrink, kNone, double)                    \
  X(tanhshrink, Tanhshrink, kNone)                            \
  /* periodic.cpp */                                          \
  X(gcu, GCU, kNone)                                          \
  X(sine, Sine, kNone, double)                                \
  X(sinc, Sinc, kNone)                                        \
  /* radial.cpp */                                            \
  X(gaussian, Gaussian, kNone, double)                        \
  X(laplace, Laplace, kNone, double, double)                  \
  /* logarithmic.cpp */                                       \
  X(symlog, Symlog, kNone)                                    \
  X(symexp, Symexp, kNone)                                    \
  /* scaled.cpp */                                            \
  X(gamma_act, GammaAct, kInplace, c10::string_view, double)
