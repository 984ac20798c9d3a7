// 09 — custom derivatives (customJvp, customVjp) and rematerialization (checkpoint).
//
// Part 1, a numerically safe softplus with `customJvp`. softplus(x) = log(1 + eˣ) written as
// log1p(exp(x)) overflows for x ≳ 89 in float32: eˣ = ∞, and its derivative eˣ/(1 + eˣ) = ∞/∞ is NaN
// (the script shows grad = NaN at x = 100). The custom version computes the value by the stable
// max(x, 0) + log1p(e^−|x|) and states its derivative directly,
//   d softplus(x) = σ(x)·dx,   σ(x) = 1/(1 + e⁻ˣ)   (nn.sigmoid, which does not overflow),
// with `g.defjvp(([x], [t]) => [g(x), t·σ(x)])`. Reverse mode transposes the rule (it is linear in t);
// second derivatives differentiate the rule again: softplus″(x) = σ(x)(1 − σ(x)). Checks: grad at 100
// is 1; vmap(grad) over x ∈ [−40, 100] equals σ(x) and vmap(grad(grad)) equals σ(x)(1 − σ(x)),
// both against float64 closed forms; the same rule written per argument with `defjvps` agrees.
//
// Part 2, gradient clipping with `customVjp`: clipGradient(c, x) is the identity going forward, and
// its backward pass clips the cotangent to [−c, c],
//   fwd(c, x) = [x, no residuals],   bwd(c, _, ḡ) = [clip(ḡ, −c, c)],
// with c a JS number passed through `nondiffArgnums` (configuration, not differentiated). It sits on
// the hidden layer of a small regression network  ŷ = tanh(x·W₁)·W₂,  L = mean((ŷ − y)²). Checks:
// the value is unchanged; every cotangent reaching the hidden layer lies in [−c, c] (without the clip
// many exceed c); ∂L/∂W₂ (above the clip) is unchanged; ∂L/∂W₁ equals a hand-written float64
// backward pass that clips the hidden cotangent, G = clip(∂L/∂h, −c, c), ∂L/∂W₁ = xᵀ·(G ⊙ (1 − h²)).
//
// Part 3, implicit differentiation of a fixed point (JAX's `fixed_point` example, generalized). The
// equilibrium z* = tanh(W·z* + x) (n = 8, W scaled to norm 0.6, so the map is a contraction) is found
// by iterating z ← tanh(W·z + x) in a `lax.whileLoop` until the step is below 10⁻⁶. A while loop has
// no reverse-mode derivative (its trip count is data-dependent; grad of it is a GradientError, shown).
// Wrapping the solver in `customVjp` gives it one anyway, by the implicit function theorem: with
// f(a, z) = tanh(W·z + x) and a = {W, x}, differentiating z* = f(a, z*) gives
//   ā = (∂f/∂a)ᵀ·u,   where u solves  u = z̄ + (∂f/∂z)ᵀ·u   (the adjoint system),
// and bwd solves it with the same fixed-point solver (on u ↦ z̄ + vjp_z(u)), so no iterate is stored.
// fwd calls the custom function itself, which makes the derivative differentiable again. Checks: the
// solver's z* against a plain-JS float64 iteration; grad of L = c·z* with respect to W and x (72
// numbers) against central differences of the float64 solver; grad agrees with forward mode (`jvp`)
// through the while loop itself; jit(grad) = grad; the Hessian ∂²L/∂x² (reverse over reverse, jacrev
// of grad) against second central differences of the float64 solver.
//
// Part 4, `checkpoint` (remat) of a deep network. An MLP of 32 tanh layers, width 256, batch 32,
//   h_{k+1} = tanh(h_k·W_k + b_k),   L = mean((h₃₂ − y)²),
// differentiated four ways: plain; with each layer wrapped in `checkpoint`; with each block of 4
// layers wrapped (√L-style segments); and each layer with policy "dotsSaveable". The memory measure is
// read off the program reverse mode builds: `makeJaxpr((p, x, ḡ) => vjp(loss, p, x)[1](ḡ))` traces the
// forward pass and the backward pass into one jaxpr; an equation belongs to the backward pass if it
// reads the output cotangent ḡ (or a value computed from it); the residuals are the values the forward
// pass computes and the backward pass reads — what must stay in memory between the two, besides the
// inputs. Plain reverse mode keeps two [32, 256] arrays per layer (tanh's output, which the next
// layer's ∂/∂W reads, and tanh's derivative 1 − h²); a checkpointed layer keeps only its input and
// recomputes the rest in the backward pass; a checkpointed block of 4 keeps only the block's input;
// "dotsSaveable" also keeps each matmul's output (as much memory as plain here, but the backward pass
// recomputes only the cheap add and tanh). Every version also keeps h₃₂ − y, the loss's residual. The
// script prints the count and bytes of the residuals of each version, checks that all four gradients
// are equal, that the checkpointed versions keep exactly the arrays just listed, and that 4-layer
// segments keep at least 4× fewer bytes than the plain network; it prints the time of one jit(grad)
// step of each (not checked: it varies from run to run).
//
// It exits with code 1 if any check fails. Run: npx tsx examples/09-custom-derivatives.ts
import {
  checkpoint,
  customJvp,
  customVjp,
  GradientError,
  grad,
  jacrev,
  jit,
  jvp,
  lax,
  makeJaxpr,
  nn,
  np,
  random,
  type Tensor,
  tree,
  type Var,
  vjp,
  vmap,
} from "tracegrad";

let failures = 0;
function check(ok: boolean, what: string, detail: string): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? ` (${detail})` : ""}`);
  if (!ok) failures++;
}
const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
/** max |aᵢ − bᵢ| / |bᵢ| (with b nonzero). */
const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!) / Math.abs(b[i]!)), 0);
const flat = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array);

// ── Randomness: tracegrad's `random` (JAX's threefry PRNG), a key per draw split from one seed ─
const [part2Key, part3Key, part4Key] = random.split(random.key(20240909), 3);
/** An f32 tensor of N(0, std²) samples drawn with `key`, and its values as JS numbers (float64 references). */
const normal = (key: Tensor, shape: number[], std = 1): [Tensor, number[]] => {
  const t = random.normal(key, shape).mul(std);
  return [t, flat(t)];
};

// ══ Part 1: softplus with a custom JVP ═════════════════════════════════════════════════════════
console.log("── Part 1: softplus(x) = log(1 + eˣ) with customJvp");
const softplusNaive = (x: Tensor): Tensor => np.log1p(np.exp(x));
/** max(x, 0) + log1p(e^−|x|): never overflows (its own derivative is not used). */
const softplusStable = (x: Tensor): Tensor => np.maximum(x, 0).add(np.log1p(np.exp(np.abs(x).neg())));
const softplus = customJvp(softplusStable);
softplus.defjvp(([x]: Tensor[], [t]: Tensor[]) => [softplus(x), t.mul(nn.sigmoid(x))]);
// The same derivative given per argument: (tangent, primal output, ...primals) => tangent output.
const softplus2 = customJvp(softplusStable);
softplus2.defjvps((t: Tensor, _y: Tensor, x: Tensor) => t.mul(nn.sigmoid(x)));
{
  const naive = Number(grad(softplusNaive)(100));
  const [value, slope] = [Number(softplus(100)), Number(grad(softplus)(100))];
  console.log(`log1p(exp(x)) at x = 100: value ${Number(softplusNaive(np.array(100)))}, grad ${naive}`);
  console.log(`custom softplus at x = 100: value ${value}, grad ${slope}`);
  check(Number.isNaN(naive), "the plain formula's gradient is NaN at x = 100", `eˣ/(1 + eˣ) = ∞/∞`);
  check(value === 100 && slope === 1, "customJvp: softplus(100) = 100, grad = 1", "");

  const n = 281;
  const xs = np.linspace(-40, 100, n); // steps of 0.5
  const x64 = flat(xs);
  const sig = x64.map((x) => 1 / (1 + Math.exp(-x)));
  const g1 = flat(vmap(grad(softplus))(xs));
  const g2 = flat(vmap(grad(grad(softplus)))(xs));
  const naiveNaN = flat(vmap(grad(softplusNaive))(xs)).filter((v) => !Number.isFinite(v)).length;
  console.log(`over x ∈ [−40, 100] (${n} points) the plain formula's gradient is NaN at ${naiveNaN} of them`);
  // σ(x) against float64: relative error of a few ulp, down to σ(−40) = 4·10⁻¹⁸
  const e1 = maxRelDiff(g1, sig);
  check(e1 < 1e-6, "vmap(grad(softplus)) = σ(x) (float64)", `max relative error ${e1.toExponential(2)}`);
  // σ′ = σ(1 − σ) is computed from σ in float32, so where σ ≈ 1 it is exact only to float32's resolution
  // near 1 (6·10⁻⁸): compare absolutely
  const e2 = maxAbsDiff(
    g2,
    sig.map((s) => s * (1 - s)),
  );
  check(
    e2 < 2e-7,
    "vmap(grad(grad(softplus))) = σ(x)(1 − σ(x)) (float64)",
    `max absolute error ${e2.toExponential(2)}; the maximum, at x = 0, is 0.25`,
  );
  const gDefjvps = flat(vmap(grad(softplus2))(xs));
  const eJit = maxRelDiff(flat(jit(vmap(grad(softplus2)))(xs)), g1);
  check(
    maxAbsDiff(gDefjvps, g1) === 0 && eJit < 1e-6,
    "defjvps (one rule per argument) gives the same gradient; under jit to float32 rounding",
    `jit: max relative difference ${eJit.toExponential(2)}`,
  );
}

// ══ Part 2: gradient clipping with a custom VJP ════════════════════════════════════════════════
console.log("\n── Part 2: clipGradient(c, x) with customVjp (c in nondiffArgnums)");
const clipGradient = customVjp((_c: number, x: Tensor): Tensor => x, { nondiffArgnums: [0] });
clipGradient.defvjp(
  (_c: number, x: Tensor) => [x, null],
  (c: number, _residuals: null, g: Tensor) => [np.clip(g, -c, c)],
);
{
  const [N, D, H] = [32, 3, 16];
  const c = 0.01;
  const [kx, kw1, kw2, ky] = random.split(part2Key, 4);
  const [x, xJs] = normal(kx, [N, D]);
  const [w1, w1Js] = normal(kw1, [D, H], 1 / Math.sqrt(D));
  const [w2, w2Js] = normal(kw2, [H, 1], 1 / Math.sqrt(H));
  const [y, yJs] = normal(ky, [N, 1], 3); // large targets: large cotangents
  type P = { w1: Tensor; w2: Tensor };
  const head = (w2: Tensor, h: Tensor) => np.square(np.matmul(h, w2).sub(y)).mean();
  const model = (clip: boolean) => (p: P) => {
    const h = nn.tanh(np.matmul(x, p.w1));
    return head(p.w2, clip ? clipGradient(c, h) : h);
  };
  const p = { w1, w2 };
  const h = nn.tanh(np.matmul(x, w1));
  const ctPlain = flat(grad((hh: Tensor) => head(w2, hh))(h));
  const ctClipped = flat(grad((hh: Tensor) => head(w2, clipGradient(c, hh)))(h));
  const clipped = ctPlain.filter((v) => Math.abs(v) > c).length;
  const [gPlain, gClip] = [grad(model(false))(p), jit(grad(model(true)))(p)];
  check(Number(model(true)(p)) === Number(model(false)(p)), "the forward value is unchanged", "");
  check(
    maxAbs(ctClipped) <= c && clipped > 0,
    `every cotangent at the hidden layer is in [−${c}, ${c}]`,
    `max |∂L/∂h| ${maxAbs(ctPlain).toFixed(4)} without the clip, ${maxAbs(ctClipped).toFixed(4)} with it; ` +
      `${clipped} of ${N * H} clipped`,
  );
  check(
    maxAbsDiff(flat(gClip.w2), flat(gPlain.w2)) <= 1e-6 * maxAbs(flat(gPlain.w2)),
    "∂L/∂W₂ (above the clip) is unchanged",
    "to float32 rounding: one gradient is jitted, the other not",
  );
  // Reference: a float64 backward pass, by hand, with the clip.
  const hJs = Array.from({ length: N * H }, (_, i) => {
    const [r, j] = [Math.floor(i / H), i % H];
    let s = 0;
    for (let d = 0; d < D; d++) s += xJs[r * D + d]! * w1Js[d * H + j]!;
    return Math.tanh(s);
  });
  const dPred = Array.from({ length: N }, (_, r) => {
    let s = 0;
    for (let j = 0; j < H; j++) s += hJs[r * H + j]! * w2Js[j]!;
    return (2 * (s - yJs[r]!)) / N;
  });
  const dW1 = new Array<number>(D * H).fill(0);
  for (let r = 0; r < N; r++)
    for (let j = 0; j < H; j++) {
      const gh = Math.min(c, Math.max(-c, dPred[r]! * w2Js[j]!)); // the clipped hidden cotangent
      const gz = gh * (1 - hJs[r * H + j]! ** 2);
      for (let d = 0; d < D; d++) dW1[d * H + j]! += xJs[r * D + d]! * gz;
    }
  const e = maxAbsDiff(flat(gClip.w1), dW1) / maxAbs(dW1);
  check(
    e < 1e-5,
    "∂L/∂W₁ (jit) = a float64 backward pass that clips ∂L/∂h",
    `relative error ${e.toExponential(2)}; |∂L/∂W₁| ${maxAbs(flat(gPlain.w1)).toFixed(4)} → ${maxAbs(dW1).toFixed(4)}`,
  );
}

// ══ Part 3: implicit differentiation of a fixed point ══════════════════════════════════════════
console.log("\n── Part 3: z* = tanh(W·z* + x) by lax.whileLoop, differentiated implicitly (customVjp)");
/** A map whose fixed point in z is wanted, given parameters a (any pytree of tensors). */
type Contraction<A> = (a: A, z: Tensor) => Tensor;
const tol = 1e-6;
const maxIter = 200;
/** Iterates z ← f(a, z) from z0 until max |Δz| < tol: [z, iterations]. Forward-mode differentiable only. */
function iterate<A>(f: Contraction<A>, a: A, z0: Tensor): [Tensor, Tensor] {
  const [, z, it] = lax.whileLoop(
    ([step, , i]: [Tensor, Tensor, Tensor]) => np.where(np.less(i, maxIter), np.greater(step, tol), false),
    ([, z, i]: [Tensor, Tensor, Tensor]): [Tensor, Tensor, Tensor] => {
      const zNext = f(a, z);
      return [np.max(np.abs(zNext.sub(z))), zNext, i.add(1)];
    },
    [np.array(Number.POSITIVE_INFINITY), z0, np.array(0, { dtype: "int32" })],
  );
  return [z, it];
}
// fixedPoint(f, a, z0) = z* with z* = f(a, z*): f is a JS function, so it is a nondiff argument.
type AnyContraction = Contraction<never>;
const fixedPoint = customVjp((f: AnyContraction, a: unknown, z0: Tensor): Tensor => iterate(f, a as never, z0)[0], {
  nondiffArgnums: [0],
});
fixedPoint.defvjp(
  // fwd calls fixedPoint itself (not iterate), so that differentiating fwd again uses this rule too
  (f: AnyContraction, a: unknown, z0: Tensor) => {
    const z = fixedPoint(f, a, z0);
    return [z, { a, z }];
  },
  (f: AnyContraction, { a, z }: { a: unknown; z: Tensor }, zBar: Tensor) => {
    // the adjoint system u = z̄ + (∂f/∂z)ᵀ·u, solved by the same fixed-point iteration
    type Adjoint = { a: unknown; z: Tensor; zBar: Tensor };
    const adjointMap = (q: Adjoint, u: Tensor) => q.zBar.add(vjp((zz: Tensor) => f(q.a as never, zz), q.z)[1](u)[0]);
    const u = fixedPoint(adjointMap as AnyContraction, { a, z, zBar }, zBar);
    const [, fA] = vjp((aa: unknown) => f(aa as never, z), a);
    return [fA(u)[0], null]; // ā = (∂f/∂a)ᵀ·u; z0 does not affect z*
  },
);
{
  const n = 8;
  type P = { w: Tensor; x: Tensor };
  const [kw, kx, kc, kdw, kdx] = random.split(part3Key, 5);
  const [wRaw] = normal(kw, [n, n]);
  const w = wRaw.mul(0.6).div(np.sqrt(np.sum(np.square(wRaw)))); // ‖W‖₂ ≤ ‖W‖_F = 0.6
  const wJs = flat(w);
  const [x, xJs] = normal(kx, [n]);
  const [cv, cJs] = normal(kc, [n]);
  const params: P = { w, x };
  const cell: Contraction<P> = (p, z) => np.tanh(np.matmul(p.w, z).add(p.x));
  const z0 = np.zeros([n]);
  const loss = (p: P): Tensor => np.dot(cv, fixedPoint(cell as AnyContraction, p, z0) as Tensor);
  const lossUnrolled = (p: P): Tensor => np.dot(cv, iterate(cell, p, z0)[0]);

  // Plain-JS float64 reference solver, to 1e-14.
  const solveJs = (W: number[], X: number[]): number[] => {
    let z = new Array<number>(n).fill(0);
    for (let it = 0; it < 1000; it++) {
      const zn = z.map((_, i) => Math.tanh(z.reduce((s, zj, j) => s + W[i * n + j]! * zj, X[i]!)));
      const step = maxAbsDiff(zn, z);
      z = zn;
      if (step < 1e-14) break;
    }
    return z;
  };
  const lossJs = (W: number[], X: number[]) => solveJs(W, X).reduce((s, zi, i) => s + cJs[i]! * zi, 0);

  const [zStar, iters] = iterate(cell, params, z0);
  const zJs = solveJs(wJs, xJs);
  check(
    maxAbsDiff(flat(zStar), zJs) < 1e-5,
    "the whileLoop solver's z* = the float64 solve",
    `${Number(iters)} iterations, max |Δz| ${maxAbsDiff(flat(zStar), zJs).toExponential(2)}`,
  );
  try {
    grad(lossUnrolled)(params);
    check(false, "grad through the while loop itself is a GradientError", "no error was thrown");
  } catch (e) {
    const ok = e instanceof GradientError;
    check(ok, "grad through the while loop itself is a GradientError", `"${(e as Error).message.slice(0, 68)}…"`);
  }

  const g = grad(loss)(params);
  const [gw, gx] = [flat(g.w), flat(g.x)];
  // central differences of the float64 solver, one entry at a time
  const h = 1e-6;
  const bump = (v: number[], i: number, d: number) => v.map((e, j) => (j === i ? e + d : e));
  const fdW = wJs.map((_, i) => (lossJs(bump(wJs, i, h), xJs) - lossJs(bump(wJs, i, -h), xJs)) / (2 * h));
  const fdX = xJs.map((_, i) => (lossJs(wJs, bump(xJs, i, h)) - lossJs(wJs, bump(xJs, i, -h))) / (2 * h));
  const scale = Math.max(maxAbs(fdW), maxAbs(fdX));
  const eW = maxAbsDiff(gw, fdW) / scale;
  const eX = maxAbsDiff(gx, fdX) / scale;
  check(
    Math.max(eW, eX) < 1e-4,
    "grad (implicit, customVjp) = central differences of the float64 solver",
    `${gw.length + gx.length} entries; relative error ∂L/∂W ${eW.toExponential(2)}, ∂L/∂x ${eX.toExponential(2)}`,
  );
  // Forward mode differentiates the iterations themselves: it converges to the same derivative.
  const dir: P = { w: random.normal(kdw, [n, n]), x: random.normal(kdx, [n]) };
  const viaJvp = Number(jvp(lossUnrolled, [params], [dir])[1]);
  const viaGrad = [...gw.map((v, i) => v * flat(dir.w)[i]!), ...gx.map((v, i) => v * flat(dir.x)[i]!)].reduce(
    (s, v) => s + v,
  );
  check(
    Math.abs(viaJvp - viaGrad) < 1e-4 * (1 + Math.abs(viaGrad)),
    "⟨grad, v⟩ = jvp through the while loop (forward mode)",
    `${viaGrad.toPrecision(7)} vs ${viaJvp.toPrecision(7)}`,
  );
  const gJit = jit(grad(loss))(params);
  const eJit = Math.max(maxAbsDiff(flat(gJit.w), gw), maxAbsDiff(flat(gJit.x), gx)) / scale;
  check(eJit < 1e-6, "jit(grad) = grad", `relative difference ${eJit.toExponential(2)}`);
  const text = String(makeJaxpr(grad(loss))(params));
  const whiles = text.match(/\bwhile\[/g)?.length ?? 0;
  console.log(
    `the gradient's jaxpr has ${whiles} while loops (the solve, and the adjoint solve in the backward pass); ` +
      "reverse mode keeps z* and the parameters, not the iterates",
  );

  // Second order: reverse over reverse. The Hessian of L in x (jacrev of grad), against second central
  // differences of the float64 solver.
  const lossX = (xx: Tensor) => loss({ w, x: xx });
  const hess = flat(jacrev(grad(lossX))(x));
  const h2 = 1e-4;
  const hessFd = Array.from({ length: n * n }, (_, k) => {
    const [i, j] = [Math.floor(k / n), k % n];
    const at = (di: number, dj: number) => lossJs(wJs, bump(bump(xJs, i, di), j, dj));
    return (at(h2, h2) - at(h2, -h2) - at(-h2, h2) + at(-h2, -h2)) / (4 * h2 * h2);
  });
  const eH = maxAbsDiff(hess, hessFd) / maxAbs(hessFd);
  check(
    eH < 1e-3,
    "Hessian ∂²L/∂x² (jacrev of grad) = second central differences",
    `${n}×${n}, relative error ${eH.toExponential(2)}`,
  );
}

// ══ Part 4: checkpoint of a deep MLP ═══════════════════════════════════════════════════════════
console.log("\n── Part 4: checkpoint (remat) of a 32-layer tanh MLP");
{
  const [depth, width, batch, segment] = [32, 256, 32, 4];
  type Layer = { w: Tensor; b: Tensor };
  const [layersKey, kx, ky] = random.split(part4Key, 3);
  // one key per layer, each split into the layer's weight and bias keys
  const layers: Layer[] = Array.from(random.split(layersKey, depth), (k) => {
    const [kw, kb] = random.split(k);
    return { w: random.normal(kw, [width, width]).mul(1.2 / Math.sqrt(width)), b: random.normal(kb, [width]).mul(0.1) };
  });
  const x = random.normal(kx, [batch, width]);
  const y = random.normal(ky, [batch, width]).mul(0.5);

  const layer = (p: Layer, h: Tensor): Tensor => nn.tanh(np.matmul(h, p.w).add(p.b));
  const block = (ps: Layer[], h: Tensor): Tensor => ps.reduce((hh, p) => layer(p, hh), h);
  const mse = (h: Tensor) => np.square(h.sub(y)).mean();
  const ckLayer = checkpoint(layer);
  const ckLayerDots = checkpoint(layer, { policy: "dotsSaveable" });
  const ckBlock = checkpoint(block);
  const segments = (ps: Layer[]) =>
    Array.from({ length: ps.length / segment }, (_, k) => ps.slice(k * segment, (k + 1) * segment));
  const versions: [string, (ps: Layer[], x: Tensor) => Tensor][] = [
    ["plain", (ps, x) => mse(block(ps, x))],
    ["checkpoint(layer)", (ps, x) => mse(ps.reduce((h, p) => ckLayer(p, h) as Tensor, x))],
    [`checkpoint(${segment} layers)`, (ps, x) => mse(segments(ps).reduce((h, s) => ckBlock(s, h) as Tensor, x))],
    ['checkpoint(layer, "dotsSaveable")', (ps, x) => mse(ps.reduce((h, p) => ckLayerDots(p, h) as Tensor, x))],
  ];

  /**
   * The residuals of reverse mode: in the jaxpr of `(p, x, ḡ) => vjp(loss, p, x)[1](ḡ)`, the values computed
   * without ḡ (the forward pass) that equations depending on ḡ (the backward pass) read. Top level only: a
   * checkpoint's recomputation happens inside its backward equation.
   */
  function residuals(loss: (ps: Layer[], x: Tensor) => Tensor): { count: number; bytes: number } {
    const { jaxpr } = makeJaxpr((ps: Layer[], xx: Tensor, ct: Tensor) => vjp((q: Layer[]) => loss(q, xx), ps)[1](ct))(
      layers,
      x,
      np.array(1),
    );
    const backward = new Set<Var>([jaxpr.invars.at(-1)!]);
    const forward = new Set<Var>();
    const kept = new Set<Var>();
    for (const e of jaxpr.eqns) {
      const vars = e.inputs.filter((a): a is Var => a._tag === "Var");
      if (vars.some((v) => backward.has(v))) {
        for (const o of e.outs) backward.add(o);
        for (const v of vars) if (forward.has(v)) kept.add(v);
      } else for (const o of e.outs) forward.add(o);
    }
    const itemsize = (v: Var) => (v.aval.dtype === "float64" ? 8 : v.aval.dtype === "bool" ? 1 : 4);
    const bytes = [...kept].reduce((s, v) => s + v.aval.shape.reduce((a, b) => a * b, 1) * itemsize(v), 0);
    return { count: kept.size, bytes };
  }

  const ms = (t: number) => `${t.toFixed(0)} ms`;
  const results = versions.map(([name, loss]) => {
    const step = jit(grad(loss));
    let t0 = performance.now();
    const g = step(layers, x);
    flat(g[0]!.w);
    const first = performance.now() - t0;
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 5; r++) {
      t0 = performance.now();
      flat(step(layers, x)[depth - 1]!.b);
      best = Math.min(best, performance.now() - t0);
    }
    return { name, g, first, best, ...residuals(loss) };
  });
  const actBytes = batch * width * 4;
  const paramBytes = depth * (width * width + width) * 4;
  console.log(
    `${depth} layers, width ${width}, batch ${batch}: parameters ${(paramBytes / 2 ** 20).toFixed(2)} MiB, ` +
      `one activation [${batch}, ${width}] ${actBytes / 1024} KiB`,
  );
  console.log(
    `${"version".padEnd(36)}${"residuals".padStart(10)}${"KiB".padStart(8)}${"ratio".padStart(8)}` +
      `${"jit(grad): first call".padStart(24)}${"then (best of 5)".padStart(18)}`,
  );
  const plain = results[0]!;
  for (const r of results)
    console.log(
      `${r.name.padEnd(36)}${String(r.count).padStart(10)}${(r.bytes / 1024).toFixed(0).padStart(8)}` +
        `${`${(plain.bytes / r.bytes).toFixed(1)}×`.padStart(8)}${ms(r.first).padStart(24)}${ms(r.best).padStart(18)}`,
    );

  // all four gradients agree: relative to the largest entry of each parameter's gradient
  let worst = 0;
  for (const r of results.slice(1))
    tree.map(
      (a: Tensor, b: Tensor) => {
        worst = Math.max(worst, maxAbsDiff(flat(a), flat(b)) / maxAbs(flat(b)));
        return a;
      },
      r.g,
      plain.g,
    );
  check(
    worst < 1e-5,
    "the checkpointed gradients equal the plain network's",
    `max relative difference ${worst.toExponential(2)}`,
  );
  const [perLayer, seg] = [results[1]!, results[2]!];
  // + 1: the loss's own residual h₃₂ − y (its derivative is 2(h₃₂ − y)/size), outside any checkpoint
  check(
    perLayer.count === depth && perLayer.bytes === depth * actBytes,
    "checkpoint(layer) keeps only the layer inputs h₁…h₃₁ (and h₃₂ − y)",
    `${perLayer.count} × ${actBytes / 1024} KiB`,
  );
  check(
    seg.count === depth / segment && seg.bytes === (depth / segment) * actBytes,
    `checkpoint(${segment} layers) keeps only the segment inputs h₄, h₈, …, h₂₈ (and h₃₂ − y)`,
    `${seg.count} × ${actBytes / 1024} KiB`,
  );
  const dots = results[3]!;
  check(
    dots.count === 2 * depth && dots.bytes === 2 * depth * actBytes,
    'checkpoint(layer, "dotsSaveable") keeps the layer inputs and the 32 matmul outputs (and h₃₂ − y)',
    `${dots.count} × ${actBytes / 1024} KiB`,
  );
  check(
    plain.bytes >= 4 * seg.bytes,
    `checkpoint(${segment} layers) keeps at least 4× fewer bytes than the plain network`,
    `${(plain.bytes / 1024).toFixed(0)} KiB vs ${(seg.bytes / 1024).toFixed(0)} KiB, ${(plain.bytes / seg.bytes).toFixed(1)}×`,
  );
}

if (failures > 0) {
  console.error(`09-custom-derivatives: ${failures} check(s) failed`);
  process.exit(1);
}
console.log("all checks passed");
