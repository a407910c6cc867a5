// Generic autograd for the actlab operators.
//
// Every op defined by actlab.ops has a *rule*: which of its tensor inputs and outputs to save,
// and which backward op turns (grads of the outputs, saved tensors, parameters) into one
// gradient per tensor input. Python registers the rules through the op
// actlab_native::register_rule; this file attaches one boxed Autograd kernel per ruled op:
//
//   * nothing requires grad (or grad mode is off): redispatch straight to the CPU/Python kernel
//     (in-place ops still bump the version counter once, as torch's);
//   * otherwise: the kernel runs below autograd and a RuleNode (a CppNode<RuleFunction>, built by
//     apply_rule without Function::apply's generic wrapping; in-place ops, and outputs that alias an
//     input, go through RuleFunction::apply) saves what the rule says (mark_dirty for in-place
//     ops); its backward, RuleFunction::backward, calls the rule's backward op, which has
//     a rule of its own — so every order of reverse mode stays the hand-derived math. Only the
//     gradients autograd needs (needs_input_grad) are returned; when some are not needed and each
//     needed one has a *partial* (an op computing that gradient alone, e.g. gg g f''(x) of an
//     elementwise double backward), backward calls just those partials instead.
//
// Forward-mode AD and torch.func never reach this kernel: actlab routes them to Python Functions
// with jvp (a C++ Function would raise for them rather than be silently wrong).

#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/library.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace actlab {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// One gradient alone: op(args..., params...), args indexing the backward op's tensor arguments
// (the grads of the outputs, then the saved tensors)
struct Partial {
  c10::OperatorHandle op;
  std::vector<int64_t> args;
};

struct Rule {
  c10::OperatorHandle backward;
  int64_t tensors;                // leading tensor arguments of the op
  std::vector<int64_t> inputs;    // saved inputs (indices into the tensors)
  std::vector<int64_t> outputs;   // saved outputs
  bool inplace;                   // the op wrote into its first tensor and returned it
  std::vector<std::optional<Partial>> partials;  // empty, or one per tensor input
  std::string node_name;          // "actlab::<op> backward": the graph node's name

  // Whether the partials replace the backward op for the gradients `needed` (one per tensor
  // input): some gradient is not needed and every needed one has a partial (as Rule.uses_partials
  // in ops/base.py).
  bool uses_partials(const std::vector<bool>& needed) const {
    if (partials.empty()) return false;
    bool all = true;
    for (int64_t i = 0; i < tensors; ++i) {
      if (!needed[i]) {
        all = false;
      } else if (!partials[i]) {
        return false;
      }
    }
    return !all;
  }
};

// op(tensors..., params...) -> its tensor outputs
variable_list call_op(const c10::OperatorHandle& op, torch::jit::Stack stack, const c10::List<c10::IValue>& params) {
  for (size_t i = 0; i < params.size(); ++i) stack.emplace_back(params.get(i));
  op.callBoxed(&stack);
  variable_list outs;
  outs.reserve(stack.size());
  for (auto& v : stack) outs.push_back(std::move(v).toTensor());
  return outs;
}

std::mutex& rules_mutex() {
  static std::mutex m;
  return m;
}

std::unordered_map<std::string, std::unique_ptr<Rule>>& rules() {
  static std::unordered_map<std::string, std::unique_ptr<Rule>> r;
  return r;
}

const Rule* find_rule(const c10::OperatorHandle& op) {
  std::lock_guard<std::mutex> lock(rules_mutex());
  auto it = rules().find(op.schema().name());
  TORCH_CHECK(it != rules().end(), "actlab: no autograd rule for ", op.schema().name());
  return it->second.get();
}

// op(tensors..., params...) below autograd (the kernel itself): its tensor outputs
variable_list run_below_autograd(const c10::OperatorHandle& op, c10::DispatchKeySet ks, at::TensorList tensors,
                                 const std::vector<c10::IValue>& params) {
  torch::jit::Stack stack;
  stack.reserve(tensors.size() + params.size());
  for (const auto& t : tensors) stack.emplace_back(t);
  for (const auto& p : params) stack.emplace_back(p);
  op.redispatchBoxed(ks & c10::after_ADInplaceOrView_keyset, &stack);
  variable_list outs;
  outs.reserve(stack.size());
  for (auto& v : stack) outs.push_back(std::move(v).toTensor());
  return outs;
}

// What the rule's backward reads: the saved inputs and outputs, the rule, the parameters
void save(AutogradContext* ctx, const Rule* rule, at::TensorList tensors, const variable_list& outs,
          const std::vector<c10::IValue>& params) {
  variable_list to_save;
  to_save.reserve(rule->inputs.size() + rule->outputs.size());
  for (auto i : rule->inputs) to_save.push_back(tensors[i]);
  for (auto j : rule->outputs) to_save.push_back(outs[j]);
  ctx->save_for_backward(std::move(to_save));
  ctx->saved_data["rule"] = reinterpret_cast<int64_t>(rule);
  c10::impl::GenericList list(c10::AnyType::get());
  for (const auto& p : params) list.push_back(p);
  ctx->saved_data["params"] = std::move(list);
}

struct RuleFunction : public torch::autograd::Function<RuleFunction> {
  static variable_list forward(
      AutogradContext* ctx,
      at::TensorList tensors,
      const c10::OperatorHandle* op,
      const Rule* rule,
      c10::DispatchKeySet ks,
      std::vector<c10::IValue> params) {
    variable_list outs = run_below_autograd(*op, ks, tensors, params);
    if (rule->inplace) {
      ctx->mark_dirty({tensors[0]});
      outs[0] = tensors[0];
    }
    save(ctx, rule, tensors, outs, params);
    return outs;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto* rule = reinterpret_cast<const Rule*>(ctx->saved_data["rule"].toInt());
    auto saved = ctx->get_saved_variables();
    const auto params = ctx->saved_data["params"].toList();
    variable_list args;  // the backward op's tensor arguments
    args.reserve(grads.size() + saved.size());
    for (auto& g : grads) args.push_back(std::move(g));
    for (auto& s : saved) args.push_back(std::move(s));
    std::vector<bool> needed(rule->tensors);
    for (int64_t i = 0; i < rule->tensors; ++i) needed[i] = ctx->needs_input_grad(i);
    // one gradient per tensor input (undefined where not needed); none for the op, the rule, the
    // key set, the parameters
    variable_list result(rule->tensors + 4);
    if (rule->uses_partials(needed)) {
      for (int64_t i = 0; i < rule->tensors; ++i) {
        if (!needed[i]) continue;
        const Partial& p = *rule->partials[i];
        torch::jit::Stack stack;
        stack.reserve(p.args.size() + params.size());
        for (auto j : p.args) stack.emplace_back(args[j]);
        result[i] = std::move(call_op(p.op, std::move(stack), params)[0]);
      }
      return result;
    }
    torch::jit::Stack stack(std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
    auto all = call_op(rule->backward, std::move(stack), params);
    for (int64_t i = 0; i < rule->tensors; ++i) {
      if (needed[i]) result[i] = std::move(all[i]);
    }
    return result;
  }
};

// The node of a rule op's call: CppNode<RuleFunction> (its backward, saved tensors, compiled
// autograd), built by apply_rule below. CppNode::apply hands name() to its error messages on every
// call, and Node's default demangles typeid each time (about 1 us a node): the rule's own name here.
struct RuleNode final : public torch::autograd::CppNode<RuleFunction> {
  const Rule* rule = nullptr;
  std::string name() const override { return rule->node_name; }
};

// Function<RuleFunction>::apply in fewer steps, for an op whose kernel returned new tensors: the
// same node fields, edges and saved variables, without its generic output wrapping (outputs that
// alias inputs, dirty inputs, forward-mode AD: none here, and forward AD never reaches this kernel).
// Empty when an output aliases an input (then the caller runs Function::apply, which handles it).
std::optional<variable_list> apply_rule(
    const std::vector<at::Tensor>& tensors,
    const c10::OperatorHandle& op,
    const Rule* rule,
    c10::DispatchKeySet ks,
    const std::vector<c10::IValue>& params) {
  if (const auto& functorch_tls = at::functorch::functorchTLSAccessor()) {
    functorch_tls->checkSupportsCppAutogradFunction();  // raises, as Function::apply
  }
  variable_list outs;
  {
    at::AutoGradMode grad_mode(false);
    outs = run_below_autograd(op, ks, tensors, params);
  }
  for (const auto& o : outs) {
    for (const auto& t : tensors) {
      if (o.is_alias_of(t)) return std::nullopt;
    }
  }
  auto node = c10::make_intrusive<RuleNode>();
  node->rule = rule;
  // RuleFunction::forward's arguments: the tensors, then the op, the rule, the key set, the params
  node->is_variable_input_.assign(tensors.size(), true);
  node->is_variable_input_.resize(tensors.size() + 4, false);
  node->set_ctx_grad_fn(node);
  node->set_next_edges(torch::autograd::collect_next_edges(tensors));
  node->input_info_.reserve(tensors.size());
  for (const auto& t : tensors) node->input_info_.emplace_back(t);
  node->output_info_.reserve(outs.size());
  for (const auto& o : outs) {
    node->output_info_.emplace_back(o);
    torch::autograd::impl::set_gradient_edge(o, {node, node->add_input_metadata(o)});
  }
  save(&node->ctx_, rule, tensors, outs, params);
  node->save_variables_to_ctx();
  return outs;
}

void autograd_kernel(const c10::OperatorHandle& op, c10::DispatchKeySet ks, torch::jit::Stack* stack) {
  const Rule* rule = find_rule(op);
  const auto n_args = op.schema().arguments().size();
  auto args = torch::jit::last(*stack, n_args);
  bool needs_grad = false;
  if (torch::autograd::GradMode::is_enabled()) {
    for (int64_t i = 0; i < rule->tensors; ++i) {
      const auto& t = args[i];
      if (t.isTensor() && t.toTensor().defined() && t.toTensor().requires_grad()) {
        needs_grad = true;
        break;
      }
    }
  }
  if (!needs_grad) {
    at::Tensor self = rule->inplace ? args[0].toTensor() : at::Tensor();
    op.redispatchBoxed(ks & c10::after_ADInplaceOrView_keyset, stack);
    if (rule->inplace && !self.is_inference()) torch::autograd::impl::bump_version(self);
    return;
  }
  std::vector<at::Tensor> tensors;
  std::vector<c10::IValue> params;
  tensors.reserve(rule->tensors);
  params.reserve(n_args - rule->tensors);
  for (size_t i = 0; i < n_args; ++i) {
    if (static_cast<int64_t>(i) < rule->tensors) {
      tensors.push_back(args[i].toTensor());
    } else {
      params.push_back(args[i]);
    }
  }
  torch::jit::drop(*stack, n_args);
  std::optional<variable_list> lean;
  if (!rule->inplace) lean = apply_rule(tensors, op, rule, ks, params);
  auto outs = lean ? std::move(*lean) : RuleFunction::apply(at::TensorList(tensors), &op, rule, ks, std::move(params));
  for (auto& o : outs) stack->emplace_back(std::move(o));
}

c10::OperatorHandle find_op(const std::string& name) {
  return c10::Dispatcher::singleton().findSchemaOrThrow(("actlab::" + name).c_str(), "");
}

// partials[i]: the op of tensor input i's gradient alone ("" for none), taking the next
// arity[i] entries of partial_args
std::vector<std::optional<Partial>> make_partials(
    c10::ArrayRef<std::string> partials, c10::ArrayRef<int64_t> partial_args, c10::ArrayRef<int64_t> arity) {
  TORCH_CHECK(partials.size() == arity.size(), "actlab: one arity per partial");
  std::vector<std::optional<Partial>> out;
  size_t next = 0;
  for (size_t i = 0; i < partials.size(); ++i) {
    const auto n = static_cast<size_t>(arity[i]);
    TORCH_CHECK(next + n <= partial_args.size(), "actlab: partial arguments missing");
    if (partials[i].empty()) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(Partial{find_op(partials[i]), partial_args.slice(next, n).vec()});
    }
    next += n;
  }
  return out;
}

void register_rule(
    const std::string& op,
    const std::string& backward,
    int64_t tensors,
    const std::vector<int64_t>& inputs,
    const std::vector<int64_t>& outputs,
    bool inplace,
    std::vector<std::optional<Partial>> partials) {
  static std::vector<std::unique_ptr<torch::Library>> libraries;
  TORCH_CHECK(partials.empty() || static_cast<int64_t>(partials.size()) == tensors,
              "actlab: ", op, ": one partial (or none) per tensor input");
  auto handle = find_op(backward);
  {
    std::lock_guard<std::mutex> lock(rules_mutex());
    rules()["actlab::" + op] =
        std::make_unique<Rule>(Rule{handle, tensors, inputs, outputs, inplace, std::move(partials), "actlab::" + op + " backward"});
  }
  auto lib = std::make_unique<torch::Library>(
      torch::Library::IMPL, "actlab", c10::DispatchKey::Autograd, __FILE__, __LINE__);
  lib->impl(op.c_str(), torch::CppFunction::makeFromBoxedFunction<&autograd_kernel>());
  libraries.push_back(std::move(lib));
}

void register_rule_op(
    std::string_view op,
    std::string_view backward,
    int64_t tensors,
    c10::ArrayRef<int64_t> inputs,
    c10::ArrayRef<int64_t> outputs,
    bool inplace,
    c10::ArrayRef<std::string> partials,
    c10::ArrayRef<int64_t> partial_args,
    c10::ArrayRef<int64_t> arity) {
  register_rule(std::string(op), std::string(backward), tensors, inputs.vec(), outputs.vec(), inplace,
                make_partials(partials, partial_args, arity));
}

}  // namespace
}  // namespace actlab

TORCH_LIBRARY_FRAGMENT(actlab_native, m) {  // a fragment: the loader may define other actlab_native ops
  m.def(
      "register_rule(str op, str backward, int tensors, int[] inputs, int[] outputs, bool inplace, "
      "str[] partials, int[] partial_args, int[] arity) -> ()");
}

TORCH_LIBRARY_IMPL(actlab_native, CatchAll, m) {
  m.impl("register_rule", &actlab::register_rule_op);
}
