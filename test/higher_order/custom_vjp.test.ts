// customVjp (JAX's custom_vjp): a deliberately different bwd changes every reverse-mode derivative (grad, vjp,
// jacrev, vmap/jit compositions, forward-over-reverse) to the rule's closed form; correct rules agree with central
// differences to second order (bwd written with differentiable ops); pytree residuals and arguments, null cotangents,
// gradient clipping with nondiffArgnums; which of f, fwd and bwd runs under jit and vmap; customVjp inside scan and an
// implicit-function-theorem fixed point solved by whileLoop; forward mode as a GradientError; typed errors for bad
// rules and misuse, the user's own errors passing through unchanged; and the printed jaxprs.

import { describe, expect, it } from "vitest";
import {
  customVjp,
  DTypeError,
  GradientError,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  jvp,
  lax,
  linearize,
  makeJaxpr,
  np,
  ShapeError,
  type Tensor,
  TracegradError,
  UnexpectedTracerError,
  valueAndGrad,
  vjp,
  vmap,
} from "../../src/index.js";
import { catchError, expectClose, expectTensor, thrownBy } from "../helpers.js";
import { data, diag, errorOf, F64_TOL, FD_TOL, FD2_TOL, f64, fd2, fdGrad, fdHess, i32 } from "./util.js";

/** sin x whose bwd says the derivative is 3·cos x (deliberately wrong); counts calls of f, fwd and bwd. */
function tripleSin() {
  const calls = { f: 0, fwd: 0, bwd: 0 };
  const h = customVjp((x: Tensor) => {
    calls.f++;
    return np.sin(x);
  });
  h.defvjp(
    (x: Tensor) => {
      calls.fwd++;
      return [np.sin(x), np.cos(x)];
    },
    (cos: Tensor, ct: Tensor) => {
      calls.bwd++;
      return [ct.mul(cos).mul(3)];
    },
  );
  return { h, calls };
}

const XS = [0.3, -1.2, 2.5, 0.9];
const d1 = (x: number) => 3 * Math.cos(x); // the rule's derivative
const d2 = (x: number) => -3 * Math.sin(x); // the derivative of the residual-based cotangent 3·cos x

describe("the rule is used, not f's own derivative", () => {
  it("the value is f's; grad, valueAndGrad, vjp and jacrev follow bwd (3·cos x, not cos x)", () => {
    const { h } = tripleSin();
    const x = f64(XS);
    expectClose(h(x), XS.map(Math.sin), F64_TOL);
    expectClose(grad((y: Tensor) => h(y).sum())(x), XS.map(d1), F64_TOL);
    const [v, g] = valueAndGrad((y: Tensor) => h(y).sum())(x);
    expectClose(
      v,
      XS.reduce((a, b) => a + Math.sin(b), 0),
      F64_TOL,
    );
    expectClose(g, XS.map(d1), F64_TOL);
    const ct = [2, 1, -1, 0.5];
    const [out, pullback] = vjp(h, x);
    expectClose(out, XS.map(Math.sin), F64_TOL);
    expectClose(
      pullback(f64(ct))[0],
      XS.map((y, i) => d1(y) * ct[i]!),
      F64_TOL,
    );
    expectClose(jacrev(h)(x), diag(XS.map(d1)), F64_TOL);
  });

  it("vmap(grad), jit(grad), grad(jit), grad(vmap), jit(vmap(grad)) and vmap(jit(grad)) follow bwd", () => {
    const { h } = tripleSin();
    const x = f64(XS);
    expectClose(vmap(grad(h))(x), XS.map(d1), F64_TOL);
    expectClose(jit(vmap(grad(h)))(x), XS.map(d1), F64_TOL);
    expectClose(vmap(jit(grad(h)))(x), XS.map(d1), F64_TOL);
    expectClose(grad((y: Tensor) => vmap(h)(y).sum())(x), XS.map(d1), F64_TOL);
    expectClose(jacrev(vmap(h))(x), diag(XS.map(d1)), F64_TOL);
    for (const v of XS) {
      expectClose(jit(grad(h))(f64(v)), d1(v), F64_TOL);
      expectClose(grad(jit(h))(f64(v)), d1(v), F64_TOL);
    }
    // batch axis 1: examples are the columns
    const m = [
      [0.3, 1],
      [2, -3],
    ];
    expectClose(
      vmap(
        grad((y: Tensor) => h(y).sum()),
        1,
      )(f64(m)),
      [
        [d1(0.3), d1(2)],
        [d1(1), d1(-3)],
      ],
      F64_TOL,
    );
  });

  it("chained calls multiply bwd's factors: d/dx h(h(x)) = 3cos(sin x)·3cos x", () => {
    const { h } = tripleSin();
    expectClose(
      grad((y: Tensor) => h(h(y)).sum())(f64(XS)),
      XS.map((v) => d1(Math.sin(v)) * d1(v)),
      F64_TOL,
    );
  });

  it("reverse-over-reverse and forward-over-reverse differentiate bwd's ops: −3 sin x", () => {
    const { h } = tripleSin();
    for (const v of XS) expectClose(grad(grad(h))(f64(v)), d2(v), F64_TOL);
    const total = (y: Tensor) => h(y).sum();
    expectClose(hessian(total)(f64(XS)), diag(XS.map(d2)), F64_TOL);
    expectClose(jacfwd(jacrev(total))(f64(XS)), diag(XS.map(d2)), F64_TOL);
    expectClose(jacrev(jacrev(total))(f64(XS)), diag(XS.map(d2)), F64_TOL);
  });

  it("a straight-through estimator: sign(x) whose bwd passes the cotangent through", () => {
    const ste = customVjp((x: Tensor) => np.sign(x));
    ste.defvjp(
      (x: Tensor) => [np.sign(x), null],
      (_r: null, ct: Tensor) => [ct],
    );
    const vals = [-1.5, -0.2, 0.7, 2];
    const loss = (x: Tensor) => ste(x).mul(x).sum();
    const expected = vals.map((v) => Math.sign(v) + v);
    expectClose(grad(loss)(f64(vals)), expected, F64_TOL);
    expectClose(jit(grad(loss))(f64(vals)), expected, F64_TOL);
    expectClose(vmap(grad((x: Tensor) => ste(x).mul(x)))(f64(vals)), expected, F64_TOL);
    expectClose(jacrev(ste)(f64(vals)), diag([1, 1, 1, 1]), F64_TOL);
  });
});

describe("correct rules agree with finite differences", () => {
  it("x³ with residual x and bwd 3x²·ct: first and second order (bwd is differentiated again)", () => {
    const cube = customVjp((x: Tensor) => x.mul(x).mul(x));
    cube.defvjp(
      (x: Tensor) => [x.mul(x).mul(x), x],
      (x: Tensor, ct: Tensor) => [ct.mul(x.mul(x)).mul(3)],
    );
    const ref = (x: number) => x ** 3;
    for (const v of [-1.3, 0.4, 2]) {
      expectClose(grad(cube)(f64(v)), fdGrad(([y]) => ref(y!), [v])[0]!, FD_TOL);
      expectClose(grad(grad(cube))(f64(v)), fd2(ref, v), FD2_TOL);
      expectClose(grad(grad(grad(cube)))(f64(v)), 6, F64_TOL);
      expectClose(jacfwd(grad(cube))(f64(v)), fd2(ref, v), FD2_TOL);
    }
  });

  it("two arguments, x·sin y + y²: gradient and Hessian blocks against central differences", () => {
    const F = customVjp((x: Tensor, y: Tensor) => x.mul(np.sin(y)).add(y.mul(y)));
    F.defvjp(
      (x: Tensor, y: Tensor) => [x.mul(np.sin(y)).add(y.mul(y)), [x, y]],
      ([x, y]: Tensor[], ct: Tensor) => [ct.mul(np.sin(y!)), ct.mul(x!.mul(np.cos(y!)).add(y!.mul(2)))],
    );
    const ref = ([x, y]: number[]) => x! * Math.sin(y!) + y! * y!;
    for (const [x, y] of [
      [0.4, -1.1],
      [-2, 0.6],
    ]) {
      const [gx, gy] = grad(F, [0, 1])(f64(x!), f64(y!));
      const fd = fdGrad(ref, [x!, y!]);
      expectClose(gx, fd[0]!, FD_TOL);
      expectClose(gy, fd[1]!, FD_TOL);
      const H = fdHess(ref, [x!, y!]);
      expectClose(grad(grad(F, 0), 1)(f64(x!), f64(y!)), H[0]![1]!, FD2_TOL);
      expectClose(grad(grad(F, 1), 1)(f64(x!), f64(y!)), H[1]![1]!, FD2_TOL);
      expectClose(jacfwd(grad(F, 1), 0)(f64(x!), f64(y!)), H[1]![0]!, FD2_TOL);
    }
    const xs = [0.4, -2];
    const ys = [-1.1, 0.6];
    const total = (x: Tensor, y: Tensor) => F(x, y).sum();
    const H = fdHess((v) => ref([v[0]!, v[2]!]) + ref([v[1]!, v[3]!]), [...xs, ...ys]);
    expectClose(hessian(total, 1)(f64(xs), f64(ys)), [H[2]!.slice(2), H[3]!.slice(2)], FD2_TOL);
    expectClose(jacrev(jacrev(total, 1), 0)(f64(xs), f64(ys)), [H[2]!.slice(0, 2), H[3]!.slice(0, 2)], FD2_TOL);
  });

  it("a null cotangent for one argument is a zero gradient for it", () => {
    const F = customVjp((x: Tensor, y: Tensor) => x.mul(y));
    F.defvjp(
      (x: Tensor, y: Tensor) => [x.mul(y), y],
      (y: Tensor, ct: Tensor) => [ct.mul(y), null],
    );
    const [gx, gy] = grad((x: Tensor, y: Tensor) => F(x, y).sum(), [0, 1])(f64([1, 2]), f64([3, -4]));
    expectTensor(gx, [3, -4], "float64");
    expectTensor(gy, [0, 0], "float64");
    expectTensor(vmap(grad(F, 1))(f64([1, 2]), f64([3, 4])), [0, 0], "float64");
  });

  it("pytree residuals (objects, arrays, null, an int32 leaf) reach bwd with their structure", () => {
    const seen: string[] = [];
    const F = customVjp((x: Tensor, y: Tensor) => np.sin(x).mul(y));
    F.defvjp(
      (x: Tensor, y: Tensor) => [np.sin(x).mul(y), { y, trig: [np.cos(x), np.sin(x)], nothing: null, n: i32(2) }],
      (r: { y: Tensor; trig: Tensor[]; nothing: null; n: Tensor }, ct: Tensor) => {
        seen.push(Object.keys(r).sort().join(","), String(r.nothing), r.n.dtype);
        const n = r.n.astype("float64").mul(0.5); // 1
        return [ct.mul(r.y).mul(r.trig[0]!).mul(n), ct.mul(r.trig[1]!)];
      },
    );
    const ref = ([x, y]: number[]) => Math.sin(x!) * y!;
    const [gx, gy] = grad(F, [0, 1])(f64(0.7), f64(1.9));
    const fd = fdGrad(ref, [0.7, 1.9]);
    expectClose(gx, fd[0]!, FD_TOL);
    expectClose(gy, fd[1]!, FD_TOL);
    expect(seen.slice(0, 3)).toEqual(["n,nothing,trig,y", "null", "int32"]);
    // batched residuals of every kind
    expectClose(vmap(grad(F))(f64([0.7, -0.3]), f64([1.9, 2])), [Math.cos(0.7) * 1.9, Math.cos(-0.3) * 2], F64_TOL);
    expectClose(grad(grad(F))(f64(0.7), f64(1.9)), -Math.sin(0.7) * 1.9, F64_TOL);
  });

  it("pytree arguments: the cotangent has the argument's structure", () => {
    type P = { w: Tensor; b: [Tensor] };
    const F = customVjp((p: P, x: Tensor) => p.w.mul(x).add(p.b[0]).sum());
    F.defvjp(
      (p: P, x: Tensor) => [p.w.mul(x).add(p.b[0]).sum(), { w: p.w, x }],
      (r: { w: Tensor; x: Tensor }, ct: Tensor) => [{ w: r.x.mul(ct), b: [ct.mul(10)] }, r.w.mul(ct)], // ∂/∂b ×10
    );
    const g = grad(F)({ w: f64([1, 2]), b: [f64(0.5)] }, f64([3, 4]));
    expectClose(g.w, [3, 4], F64_TOL);
    expectClose(g.b[0], 10, F64_TOL);
    expectClose(grad(F, 1)({ w: f64([1, 2]), b: [f64(0.5)] }, f64([3, 4])), [1, 2], F64_TOL);
  });

  it("an integer argument with a null cotangent; grad with respect to the float one", () => {
    const F = customVjp((x: Tensor, n: Tensor) => x.mul(n.astype("float64")));
    F.defvjp(
      (x: Tensor, n: Tensor) => [x.mul(n.astype("float64")), n],
      (n: Tensor, ct: Tensor) => [ct.mul(n.astype("float64")).mul(10), null],
    );
    expectTensor(grad(F)(f64(2), i32(3)), 30, "float64");
    expectTensor(vmap(grad(F))(f64([2, 1]), i32([3, 4])), [30, 40], "float64");
  });

  it("an unbatched residual (a constant) under vmap(grad), grad(vmap) and jacrev(vmap)", () => {
    const F = customVjp((x: Tensor) => x.mul(2));
    F.defvjp(
      (x: Tensor) => [x.mul(2), f64(5)],
      (r: Tensor, ct: Tensor) => [ct.mul(r)],
    );
    expectTensor(vmap(grad(F))(f64([1, 2])), [5, 5]);
    expectTensor(grad((x: Tensor) => vmap(F)(x).sum())(f64([1, 2])), [5, 5]);
    expectTensor(jacrev(vmap(F))(f64([1, 2])), diag([5, 5]));
  });
});

describe("nondiffArgnums", () => {
  /** Gradient clipping (the JAX docs' example): the identity whose cotangent is clipped to [lo, hi]. */
  const clipGradient = () => {
    const seen: unknown[][] = [];
    const c = customVjp((_lo: number, _hi: number, x: Tensor) => x, { nondiffArgnums: [0, 1] });
    c.defvjp(
      (_lo: number, _hi: number, x: Tensor) => [x, null],
      (lo: number, hi: number, r: null, ct: Tensor) => {
        seen.push([lo, hi, r]);
        return [np.clip(ct, lo, hi)];
      },
    );
    return { c, seen };
  };

  it("gradient clipping: config numbers passed first to bwd; values unchanged", () => {
    const { c, seen } = clipGradient();
    const w = [5, -5, 0.5, -0.25];
    const loss = (x: Tensor) => c(-1, 1, x).mul(f64(w)).sum();
    expectTensor(c(-1, 1, f64([1, 2])), [1, 2]);
    expectTensor(grad(loss)(f64([1, 2, 3, 4])), [1, -1, 0.5, -0.25]);
    expectTensor(jit(grad(loss))(f64([1, 2, 3, 4])), [1, -1, 0.5, -0.25]);
    expectTensor(vmap(grad((x: Tensor, k: Tensor) => c(-1, 1, x).mul(k)))(f64([1, 2]), f64([3, -0.5])), [1, -0.5]);
    expect(seen[0]).toEqual([-1, 1, null]);
    // the clipped gradient of a sum of squares: 2x clipped
    expectTensor(grad((x: Tensor) => np.square(c(-2, 2, x)).sum())(f64([0.5, 3, -7])), [1, 2, -2]);
  });

  it("a function argument: fwd gets every argument in place, bwd gets the function first", () => {
    // apply(fn, x) = fn(x); bwd doubles fn's vjp
    const apply = customVjp((fnArg: (x: Tensor) => Tensor, x: Tensor) => fnArg(x), 0);
    apply.defvjp(
      (fnArg: (x: Tensor) => Tensor, x: Tensor) => [fnArg(x), x],
      (fnArg: (x: Tensor) => Tensor, x: Tensor, ct: Tensor) => [vjp(fnArg, x)[1](ct.mul(2))[0]],
    );
    const cube = (y: Tensor) => y.mul(y).mul(y);
    expectTensor(apply(cube, f64(2)), 8);
    expectClose(grad((x: Tensor) => apply(cube, x))(f64(2)), 24, F64_TOL);
    expectClose(grad((x: Tensor) => apply(np.sin, x))(f64(0.5)), 2 * Math.cos(0.5), F64_TOL);
    expectClose(grad(grad((x: Tensor) => apply(cube, x)))(f64(1.5)), 18, F64_TOL);
    expectClose(vmap(grad((x: Tensor) => apply(cube, x)))(f64([1, 2])), [6, 24], F64_TOL);
  });

  it("every accepted form: { nondiffArgnums: n | [n] }, [n], n and a negative position", () => {
    const forms: [Parameters<typeof customVjp>[1], 0 | 1][] = [
      [{ nondiffArgnums: [0] }, 0],
      [{ nondiffArgnums: 0 }, 0],
      [[0], 0],
      [0, 0],
      [{ nondiffArgnums: [-1] }, 1],
      [1, 1],
    ];
    for (const [opts, nPos] of forms) {
      const seenN: unknown[] = [];
      const f = (a: unknown, b: unknown) => {
        const [n, x] = (nPos === 0 ? [a, b] : [b, a]) as [number, Tensor];
        return x.pow(n);
      };
      const h = customVjp(f, opts);
      h.defvjp(
        (a: unknown, b: unknown) => [f(a, b), nPos === 0 ? b : a],
        (n: number, x: Tensor, ct: Tensor) => {
          seenN.push(n);
          return [ct.mul(x.pow(n - 1).mul(n)).add(ct.mul(100))]; // +100 proves bwd ran
        },
      );
      const g = h as unknown as (a: unknown, b: unknown) => Tensor;
      const call = (x: Tensor) => (nPos === 0 ? g(3, x) : g(x, 3));
      expectTensor(call(f64(2)), 8);
      expectClose(grad(call)(f64(2)), 3 * 4 + 100, F64_TOL);
      expect(seenN).toEqual([3]);
    }
  });

  it("a traced value in a nondiffArgnums position is a TracegradError (grad, jit, vmap)", () => {
    const { c } = clipGradient();
    const m = errorOf(() => grad((x: Tensor) => c(x as never, 1, x).sum())(f64([1, 2])), TracegradError);
    expect(m).toMatch(/nondiffArgnums/);
    expect(m).toMatch(/argument 0/);
    errorOf(() => jit((lo: Tensor, x: Tensor) => c(lo as never, 1, x))(f64(-1), f64(3)), TracegradError);
    errorOf(() => vmap((hi: Tensor) => c(-1, hi as never, f64(0)))(f64([1, 2])), TracegradError);
  });

  it("bwd returning a cotangent for a nondiff argument too (one too many) is a TracegradError", () => {
    const c = customVjp((_k: number, x: Tensor) => x, [0]);
    c.defvjp(
      (_k: number, x: Tensor) => [x, null],
      (_k: number, _r: null, ct: Tensor) => [null, ct],
    );
    expect(errorOf(() => grad((x: Tensor) => c(2, x))(f64(1)), TracegradError)).toMatch(
      /one cotangent per differentiable argument \(1\).*length 2/,
    );
  });
});

describe("which of f, fwd and bwd runs", () => {
  it("eagerly, under jit, vmap and jit(vmap) only f runs", () => {
    const { h, calls } = tripleSin();
    expectClose(h(f64(XS)), XS.map(Math.sin), F64_TOL);
    expectClose(jit(h)(f64(XS)), XS.map(Math.sin), F64_TOL);
    expectClose(vmap(h)(f64(XS)), XS.map(Math.sin), F64_TOL);
    expectClose(jit(vmap(h))(f64(XS)), XS.map(Math.sin), F64_TOL);
    expect(calls.fwd).toBe(0);
    expect(calls.bwd).toBe(0);
    expect(calls.f).toBeGreaterThanOrEqual(4);
  });

  it("vjp runs fwd at once and bwd only when the pullback is called; grad runs both once", () => {
    const { h, calls } = tripleSin();
    const [, pullback] = vjp(h, f64(1));
    expect([calls.fwd, calls.bwd]).toEqual([1, 0]);
    pullback(f64(1));
    expect([calls.fwd, calls.bwd]).toEqual([1, 1]);
    pullback(f64(2));
    expect(calls.bwd).toBe(2);
    grad(h)(f64(1));
    expect([calls.fwd, calls.bwd]).toEqual([2, 3]);
  });

  it("jit(grad) traces fwd and bwd once: a second call with new values reuses the trace", () => {
    const { h, calls } = tripleSin();
    const dh = jit(grad((x: Tensor) => h(x).sum()));
    expectClose(dh(f64(XS)), XS.map(d1), F64_TOL);
    const after = { ...calls };
    const other = XS.map((v) => v - 1);
    expectClose(dh(f64(other)), other.map(d1), F64_TOL);
    expect(calls).toEqual(after);
  });

  it("closing over a value that is not differentiated works (a jit argument, a vmapped value)", () => {
    // h_w(x) = w·x with bwd 2·w·ct: fwd and bwd close over w as well
    const make = (w: Tensor) => {
      const h = customVjp((x: Tensor) => x.mul(w));
      h.defvjp(
        (x: Tensor) => [x.mul(w), null],
        (_r: null, ct: Tensor) => [ct.mul(w).mul(2)],
      );
      return h;
    };
    expectClose(jit((w: Tensor, x: Tensor) => grad(make(w))(x))(f64(3), f64(7)), 6, F64_TOL);
    expectClose(vmap((w: Tensor) => grad(make(w))(f64(7)))(f64([1, 2, 3])), [2, 4, 6], F64_TOL);
    expectClose(vmap((w: Tensor) => make(w)(f64(7)))(f64([1, 2, 3])), [7, 14, 21], F64_TOL);
    // w differentiated only at an outer level, through bwd's ops: d/dw (2w) = 2
    expectClose(grad((w: Tensor) => grad(make(w))(f64(3)))(f64(5)), 2, F64_TOL);
  });

  // Differentiating a vmap over a value fwd and bwd close over: fwd runs inside that vmap (as in JAX), but bwd runs in
  // the backward pass, after the vmap has ended, so a bwd closing over its values is an error that says to pass them
  // as residuals (JAX requires the same); passed as a residual, the value is batched and the gradient is right.
  describe("differentiating a vmap over a value the rules close over (bwd 2·w·ct, w = [1, 2, 3], x = 7)", () => {
    const closing = (w: Tensor) => {
      const h = customVjp((x: Tensor) => x.mul(w));
      h.defvjp(
        (x: Tensor) => [x.mul(w), null],
        (_r: null, ct: Tensor) => [ct.mul(w).mul(2)],
      );
      return h;
    };
    const residual = (w: Tensor) => {
      const h = customVjp((x: Tensor) => x.mul(w));
      h.defvjp(
        (x: Tensor) => [x.mul(w), w],
        (r: Tensor, ct: Tensor) => [ct.mul(r).mul(2)],
      );
      return h;
    };
    const F = (make: (w: Tensor) => (x: Tensor) => Tensor) => (x: Tensor) =>
      vmap((w: Tensor) => make(w)(x))(f64([1, 2, 3]));
    it("a bwd closing over the vmapped value: a typed error saying to return it from fwd as a residual", () => {
      expect(() => vjp(F(closing), f64(7))[1](f64([1, 1, 1]))).toThrow(/residual/);
      expect(() => grad((x: Tensor) => F(closing)(x).sum())(f64(7))).toThrow(UnexpectedTracerError);
    });
    it("the value passed as a residual: vjp 12, grad 12, jacrev [2, 4, 6]", () => {
      expectClose(vjp(F(residual), f64(7))[1](f64([1, 1, 1]))[0], 12, F64_TOL);
      expectClose(grad((x: Tensor) => F(residual)(x).sum())(f64(7)), 12, F64_TOL);
      expectClose(jacrev(F(residual))(f64(7)), [2, 4, 6], F64_TOL);
    });
  });
});

describe("composition with control flow", () => {
  it("customVjp inside a lax.scan body: grad follows bwd per iteration (closed form) and a correct bwd matches FD", () => {
    const { h } = tripleSin();
    // c_{k+1} = h(c_k + x_k): d c_T/d c_0 = Π 3cos(c_k + x_k)
    const run = (c0: Tensor, xs: Tensor) => lax.scan((c: Tensor, x: Tensor) => [h(c.add(x)), c] as const, c0, xs)[0];
    const xs = data(5, 11);
    let c = 0.4;
    let prod = 1;
    const gx: number[] = [];
    for (const x of xs) {
      const f = d1(c + x);
      prod *= f;
      gx.push(f);
      c = Math.sin(c + x);
    }
    expectClose(grad(run)(f64(0.4), f64(xs)), prod, F64_TOL);
    expectClose(jit(grad(run))(f64(0.4), f64(xs)), prod, F64_TOL);
    // ∂c_T/∂x_k = Π_{j ≥ k} 3cos(c_j + x_j)
    const suffix = gx.map((_, k) => gx.slice(k).reduce((a, b) => a * b, 1));
    expectClose(grad(run, 1)(f64(0.4), f64(xs)), suffix, F64_TOL);

    // a correct bwd (x³ with residual x) inside scan, the loss Σ ys: central differences of a JS loop
    const cube = customVjp((x: Tensor) => x.mul(x).mul(x));
    cube.defvjp(
      (x: Tensor) => [x.mul(x).mul(x), x],
      (x: Tensor, ct: Tensor) => [ct.mul(x.mul(x)).mul(3)],
    );
    const loss = (w: Tensor, ys: Tensor) => {
      const [cT, outs] = lax.scan(
        (cc: Tensor, y: Tensor) => {
          const n = cube(cc.mul(w).add(y)).mul(0.5);
          return [n, n] as const;
        },
        f64(0.3),
        ys,
      );
      return outs.sum().add(cT);
    };
    const ref = (w: number, ys: readonly number[]) => {
      let cc = 0.3;
      let s = 0;
      for (const y of ys) {
        cc = 0.5 * (cc * w + y) ** 3;
        s += cc;
      }
      return s + cc;
    };
    const ys = data(4, 12, -0.8, 0.8);
    expectClose(grad(loss)(f64(0.9), f64(ys)), fdGrad(([w]) => ref(w!, ys), [0.9])[0]!, FD_TOL);
    expectClose(
      grad(loss, 1)(f64(0.9), f64(ys)),
      fdGrad((v) => ref(0.9, v), ys),
      FD_TOL,
    );
  });

  describe("implicit function theorem: x = tanh(a·x + b) solved by lax.whileLoop", () => {
    const T = (a: Tensor, b: Tensor, x: Tensor) => np.tanh(a.mul(x).add(b));
    /** Fixed-point iteration until the largest update is below 1e-14 (a contraction for |a| < 1). */
    const iterate = (a: Tensor, b: Tensor) =>
      lax.whileLoop(
        ([, , d]: Tensor[]) => np.greater(np.max(d!), 1e-14),
        ([i, x]: Tensor[]) => {
          const n = T(a, b, x!);
          return [i!.add(1), n, np.abs(n.sub(x!))];
        },
        [i32(0), np.zerosLike(b), np.onesLike(b)],
      )[1]!;
    let bwdCalls = 0;
    const solve = customVjp(iterate);
    solve.defvjp(
      (a: Tensor, b: Tensor) => {
        const x = iterate(a, b);
        return [x, { a, b, x }];
      },
      // x* = T(a, b, x*): (1 − ∂T/∂x)·dx = ∂T/∂a·da + ∂T/∂b·db, elementwise (T acts elementwise)
      (r: { a: Tensor; b: Tensor; x: Tensor }, ct: Tensor) => {
        bwdCalls++;
        const [, pullback] = vjp(T, r.a, r.b, r.x);
        const dTdx = pullback(np.onesLike(r.x))[2];
        const [ca, cb] = pullback(ct.div(np.onesLike(dTdx).sub(dTdx)));
        return [ca, cb];
      },
    );
    const ref = (a: number, b: number) => {
      let x = 0;
      for (let i = 0; i < 300; i++) x = Math.tanh(a * x + b);
      return x;
    };

    it("the value is the fixed point; without the custom rule, reverse mode is a GradientError", () => {
      expectClose(solve(f64(0.5), f64(0.3)), ref(0.5, 0.3), F64_TOL);
      errorOf(() => grad(iterate)(f64(0.5), f64(0.3)), GradientError);
    });

    it("grad with respect to a and b against central differences of the solver", () => {
      for (const [a, b] of [
        [0.5, 0.3],
        [-0.7, 1.2],
        [0.9, -0.4],
      ]) {
        const [ga, gb] = grad(solve, [0, 1])(f64(a!), f64(b!));
        const fd = fdGrad(([u, v]) => ref(u!, v!), [a!, b!]);
        expectClose(ga, fd[0]!, FD_TOL);
        expectClose(gb, fd[1]!, FD_TOL);
      }
      expect(bwdCalls).toBeGreaterThan(0);
    });

    it("vmap(grad) over b (a batched while predicate), jit(grad), and a loss of a vector of fixed points", () => {
      const bs = [0.3, -1, 2];
      expectClose(
        vmap(grad(solve, 1), { inAxes: [null, 0] })(f64(0.5), f64(bs)),
        bs.map((b) => fdGrad(([v]) => ref(0.5, v!), [b])[0]!),
        FD_TOL,
      );
      expectClose(jit(grad(solve))(f64(0.5), f64(0.3)), fdGrad(([u]) => ref(u!, 0.3), [0.5])[0]!, FD_TOL);
      // L(a, b) = Σ_i x*(a, b_i)²
      const L = (a: Tensor, b: Tensor) => np.square(solve(a, b)).sum();
      const Lref = ([a, ...b]: number[]) => b.reduce((s, v) => s + ref(a!, v) ** 2, 0);
      const fd = fdGrad(Lref, [0.5, ...bs]);
      const [ga, gb] = grad(L, [0, 1])(f64(0.5), f64(bs));
      expectClose(ga, fd[0]!, FD_TOL);
      expectClose(gb, fd.slice(1), FD_TOL);
    });
  });

  it("customVjp inside lax.cond branches: grad follows the taken branch's bwd", () => {
    const { h } = tripleSin();
    const { h: h2 } = tripleSin();
    const k = (x: Tensor) =>
      lax.cond(
        np.greater(x, 0),
        (y: Tensor) => h(y),
        (y: Tensor) => h2(y.mul(2)),
        x,
      );
    for (const v of [0.8, -0.5]) {
      const expected = v > 0 ? d1(v) : 2 * d1(2 * v);
      expectClose(grad(k)(f64(v)), expected, F64_TOL);
      expectClose(jit(grad(k))(f64(v)), expected, F64_TOL);
    }
    expectClose(vmap(grad(k))(f64([0.8, -0.5])), [d1(0.8), 2 * d1(-1)], F64_TOL);
  });
});

describe("errors", () => {
  it("forward mode (jvp, jacfwd, linearize's linear map, jacrev of jacfwd) is a GradientError naming customJvp", () => {
    const { h } = tripleSin();
    const m = errorOf(() => jvp(h, [f64(1)], [f64(1)]), GradientError);
    expect(m).toMatch(/customJvp/);
    expect(m).toMatch(/reverse mode/);
    errorOf(() => jacfwd(h)(f64([1, 2])), GradientError);
    errorOf(() => jit((x: Tensor) => jvp(h, [x], [x])[1])(f64(1)), GradientError);
    errorOf(() => jacrev(jacfwd((x: Tensor) => h(x).sum()))(f64([1, 2])), GradientError);
    // linearize computes the primal (fwd runs); its linear map is the forward-mode error
    const [out, lin] = linearize(h, f64(1));
    expectClose(out, Math.sin(1), F64_TOL);
    errorOf(() => lin(f64(1)), GradientError);
  });

  it("calling before defvjp, or defvjp without two functions, is a TracegradError", () => {
    const h = customVjp((x: Tensor) => x);
    expect(errorOf(() => h(f64(1)), TracegradError)).toMatch(/defvjp/);
    expect(errorOf(() => grad(h)(f64(1)), TracegradError)).toMatch(/defvjp/);
    errorOf(() => h.defvjp((x: Tensor) => [x, null], 3 as never), TracegradError);
    errorOf(() => h.defvjp(null as never, (x: Tensor) => [x]), TracegradError);
    errorOf(() => customVjp("f" as never), TracegradError);
  });

  it("differentiating with respect to a value f closes over is a TracegradError", () => {
    const closing = (w: Tensor) => {
      const h = customVjp((x: Tensor) => x.mul(w));
      h.defvjp(
        (x: Tensor) => [x.mul(w), null],
        (_r: null, ct: Tensor) => [ct.mul(w)],
      );
      return h(f64(2));
    };
    expect(errorOf(() => grad(closing)(f64(3)), TracegradError)).toMatch(/closes over/);
    errorOf(() => vjp(closing, f64(3)), TracegradError);
    errorOf(() => jit(grad(closing))(f64(3)), TracegradError);
  });

  it("fwd's output of the wrong shape/dtype/structure, or not a pair: ShapeError, DTypeError, TracegradError", () => {
    const withFwd = (fwd: (x: Tensor) => unknown) => {
      const h = customVjp((x: Tensor) => np.sin(x));
      h.defvjp(fwd as never, (_r: unknown, ct: Tensor) => [ct]);
      return (x: Tensor) => grad((y: Tensor) => h(y).sum())(x);
    };
    const x = f64([1, 2]);
    const m1 = errorOf(() => withFwd((y) => [np.sin(y).sum(), null])(x), ShapeError);
    expect(m1).toMatch(/output fwd returns/);
    expect(m1).toMatch(/f64\[2\]/);
    expect(errorOf(() => withFwd((y) => [np.sin(y).astype("float32"), null])(x), DTypeError)).toMatch(
      /output fwd returns.*f32\[2\]/,
    );
    expect(errorOf(() => withFwd((y) => [[np.sin(y)], null])(x), TracegradError)).toMatch(/output fwd returns/);
    expect(errorOf(() => withFwd((y) => np.sin(y))(x), TracegradError)).toMatch(
      /fwd must return \[output, residuals\]/,
    );
  });

  it("bwd's cotangents of the wrong shape/dtype/structure/count: typed errors naming the argument and leaf", () => {
    type P = { a: Tensor; b: Tensor };
    const withBwd = (bwd: (r: P, ct: Tensor) => unknown) => {
      const h = customVjp((p: P, y: Tensor) => p.a.mul(p.b).mul(y).sum());
      h.defvjp((p: P, y: Tensor) => [p.a.mul(p.b).mul(y).sum(), p], bwd as never);
      return () => grad(h, [0, 1])({ a: f64([1, 2]), b: f64([3, 4]) }, f64([1, 1]));
    };
    const ok = (r: P, ct: Tensor) => ({ a: r.b.mul(ct), b: r.a.mul(ct) });
    const m1 = errorOf(
      withBwd((r, ct) => [{ a: r.b.mul(ct), b: ct }, null]),
      ShapeError,
    );
    expect(m1).toMatch(/cotangent bwd returns for argument 0 at \.b is f64\[\]/);
    expect(m1).toMatch(/f64\[2\]/);
    expect(
      errorOf(
        withBwd((r, ct) => [ok(r, ct), ct.astype("float32")]),
        DTypeError,
      ),
    ).toMatch(/cotangent bwd returns for argument 1.*f32/);
    expect(
      errorOf(
        withBwd((r, ct) => [{ a: r.b.mul(ct) }, null]),
        TracegradError,
      ),
    ).toMatch(/cotangent bwd returns for argument 0 has the structure/);
    expect(
      errorOf(
        withBwd((r, ct) => [ok(r, ct)]),
        TracegradError,
      ),
    ).toMatch(/one cotangent per differentiable argument \(2\), got an array of length 1/);
    expect(
      errorOf(
        withBwd((r, ct) => ok(r, ct)),
        TracegradError,
      ),
    ).toMatch(/one cotangent per differentiable argument/);
    // the right ones work
    const [gp, gy] = withBwd((r, ct) => [ok(r, ct), null])() as [P, Tensor];
    expectTensor(gp.a, [3, 4]);
    expectTensor(gp.b, [1, 2]);
    expectTensor(gy, [0, 0]);
  });

  // JAX accepts None for any subtree of a bwd cotangent (custom_derivatives._flatten_bwd maps None to zeros)
  it("null for one leaf of a pytree argument's cotangent is a zero cotangent for that leaf (as JAX)", () => {
    type P = { a: Tensor; b: Tensor };
    const h = customVjp((p: P) => p.a.mul(p.b));
    h.defvjp(
      (p: P) => [p.a.mul(p.b), p],
      (p: P, ct: Tensor) => [{ a: ct.mul(p.b), b: null }],
    );
    const g = grad(h)({ a: f64(2), b: f64(3) });
    expectTensor(g.a, 3);
    expectTensor(g.b, 0);
  });

  it("errors thrown by the user's fwd, bwd or f pass through unchanged (same object)", () => {
    const boomFwd = new Error("boom in fwd");
    const boomBwd = new TypeError("boom in bwd");
    const a = customVjp((x: Tensor) => x);
    a.defvjp(
      () => {
        throw boomFwd;
      },
      (_r: unknown, ct: Tensor) => [ct],
    );
    const b = customVjp((x: Tensor) => x);
    b.defvjp(
      (x: Tensor) => [x, null],
      () => {
        throw boomBwd;
      },
    );
    const runs = (h: (x: Tensor) => Tensor) => [
      () => grad(h)(f64(1)),
      () => jit(grad(h))(f64(1)),
      () => vmap(grad(h))(f64([1, 2])),
      () => grad(grad(h))(f64(1)),
    ];
    for (const [h, err] of [
      [a, boomFwd],
      [b, boomBwd],
    ] as const)
      for (const run of runs(h)) {
        expect(thrownBy(run)).toBe(err);
      }
    const boomF = new RangeError("boom in f");
    const c = customVjp((_x: Tensor): Tensor => {
      throw boomF;
    });
    c.defvjp(
      (x: Tensor) => [x, null],
      (_r: unknown, ct: Tensor) => [ct],
    );
    expect(catchError(() => c(f64(1)), RangeError)).toBe(boomF);
    expect(catchError(() => vmap(c)(f64([1])), RangeError)).toBe(boomF);
  });
});

describe("jaxprs", () => {
  it("makeJaxpr shows custom_vjp_call with f's jaxpr; under grad the ops of fwd and bwd", () => {
    const h = customVjp(function tripled(x: Tensor) {
      return np.sin(x);
    });
    h.defvjp(
      (x: Tensor) => [np.sin(x), np.cos(x)],
      (cos: Tensor, ct: Tensor) => [ct.mul(cos).mul(3)],
    );
    const plain = makeJaxpr(h)(f64(1)).toString();
    expect(plain).toContain("custom_vjp_call[");
    expect(plain).toContain("name=tripled");
    expect(plain).toMatch(/call_jaxpr=\{ lambda ; a:f64\[\]\. let b:f64\[\] = sin a/);
    expect(plain).not.toContain("cos");
    const dh = makeJaxpr(grad(h))(f64(1)).toString();
    expect(dh).toContain("cos");
    expect(dh).toContain("3.0");
    expect(dh).not.toContain("custom_vjp_call");
    const batched = makeJaxpr(vmap(h))(f64([1, 2, 3])).toString();
    expect(batched).toContain("custom_vjp_call[");
    expect(batched).toContain("f64[3]");
  });
});
