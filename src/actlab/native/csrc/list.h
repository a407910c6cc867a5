// The elementwise activations with kernels: X(op name, activation class, ops beyond f/backward/
// double_backward/double_backward_x, parameter types in schema order). kY: the *_y ops (the declaration has df_y);
// kInplace: fn_ (the declaration has inplace). Must match the Python definitions (ops/elementwise.py);
// tests/native check both ways.
#pragma once

namespace actlab {

enum Extra : int { kNone = 0, kY = 1, kInplace = 2 };

}  // namespace actlab

// The split gates: X(op name, gate activation class, the gate's parameter types after dim)
#define ACTLAB_SPLIT_GATES(X) \
  X(glu, Sigmoid)             \
  X(swiglu, Silu)             \
  X(reglu, Relu)              \
  X(geglu, Gelu, c10::string_view)

#define ACTLAB_ELEMENTWISE(X)                                 \
  X(threshold, Threshold, kInplace, double, double)           \
  X(relu, Relu, kY | kInplace)                                \
  X(relu6, Relu6, kY | kInplace)                              \
  X(leaky_relu, LeakyRelu, kY | kInplace, double)             \
  X(rrelu, Rrelu, kY | kInplace, double, double)              \
  X(squared_relu, SquaredRelu, kNone)                         \
  X(hard_mish, HardMish, kNone)                               \
  X(sigmoid, Sigmoid, kNone)                                  \
  X(tanh, Tanh, kNone)                                        \
  X(softsign, Softsign, kNone)                                \
  X(hardsigmoid, Hardsigmoid, kY | kInplace)                  \
  X(hardtanh, Hardtanh, kY | kInplace, double, double)        \
  X(logsigmoid, LogSigmoid, kNone)                            \
  X(elu, Elu, kY | kInplace, double)                          \
  X(celu, Celu, kY | kInplace, double)                        \
  X(selu, Selu, kY | kInplace)                                \
  X(softplus, Softplus, kNone, double, double)                \
  X(squareplus, Squareplus, kNone, double)                    \
  X(silu, Silu, kInplace)                                     \
  X(swish, Swish, kNone, double)                              \
  X(quick_gelu, QuickGelu, kNone)                             \
  X(gelu, Gelu, kNone, c10::string_view)                      \
  X(mish, Mish, kInplace)                                     \
  X(hardswish, Hardswish, kInplace)                           \
  X(smooth_hardswish, SmoothHardswish, kNone)                 \
  X(serf, Serf, kNone)                                        \
  X(hardshrink, Hardshrink, kNone, double)                    \
  X(softshrink, Softshrink, kNone, double)                    \
  X(tanhshrink, Tanhshrink, kNone)
