// dot_general: tensor contraction with batch dimensions (bilinear). Result axes: batch, lhs free, rhs free.
import * as E from "fp-ts/Either";
import { ShapedArray } from "../../core/aval.js";
import { allocateFilledLater, type TypedArray } from "../../core/dtype.js";
import { DTypeError, fmtShape, ShapeError } from "../../core/errors.js";
import { sizeOf, stridesOf } from "../../core/shape.js";
import { Tensor } from "../../core/tensor.js";
import { isUndefined, type LinearArg } from "../../ir/rule_types.js";
import { bind1 } from "../../ir/trace.js";
import { bilinear, definePrimitive } from "../define.js";
import { eagerBackend, type Strides3 } from "../eager_backend.js";
import { batchedMatmul, data } from "../kernels.js";
import { randomShape } from "../shape_rules.js";
import { moveAxis, transpose as transposeOp, transposeP } from "../structure/transpose.js";

/** ((lhs contracting, rhs contracting), (lhs batch, rhs batch)), as JAX. */
export type DimensionNumbers = readonly [
  readonly [readonly number[], readonly number[]],
  readonly [readonly number[], readonly number[]],
];
export interface DotParams {
  dimension_numbers: DimensionNumbers;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const freeDims = (ndim: number, ...used: (readonly number[])[]) =>
  range(ndim).filter((i) => !used.some((u) => u.includes(i)));

function check(l: ShapedArray, r: ShapedArray, [[lc, rc], [lb, rb]]: DimensionNumbers) {
  const bad = (why: string) =>
    E.left(
      new ShapeError(
        `dot_general: ${why} (lhs ${fmtShape(l.shape)}, rhs ${fmtShape(r.shape)}, contracting (${lc}) with (${rc}), ` +
          `batch (${lb}) with (${rb}))`,
      ),
    );
  if (l.dtype !== r.dtype || l.dtype === "bool")
    return E.left(new DTypeError(`dot_general: operands must share a numeric dtype, got ${l.dtype} and ${r.dtype}`));
  if (lc.length !== rc.length || lb.length !== rb.length)
    return bad("contracting and batch dimension lists must pair up");
  const valid = (ds: readonly number[], n: number) =>
    ds.every((d) => Number.isInteger(d) && d >= 0 && d < n) && new Set(ds).size === ds.length;
  if (!valid([...lc, ...lb], l.ndim) || !valid([...rc, ...rb], r.ndim))
    return bad("dimensions out of range or repeated");
  if (lc.some((d, i) => l.shape[d] !== r.shape[rc[i]!])) return bad("contracting dimensions have different sizes");
  if (lb.some((d, i) => l.shape[d] !== r.shape[rb[i]!])) return bad("batch dimensions have different sizes");
  const shape = [
    ...lb.map((d) => l.shape[d]!),
    ...freeDims(l.ndim, lc, lb).map((d) => l.shape[d]!),
    ...freeDims(r.ndim, rc, rb).map((d) => r.shape[d]!),
  ];
  return E.right(new ShapedArray(shape, l.dtype));
}

/**
 * `x`'s data viewed as [group 0, group 1, group 2] (each group a list of axes, flattened in that order), as element
 * strides, when each group's axes are laid out as one (merged) axis; undefined when one is not.
 */
function viewStrides(x: Tensor, groups: readonly (readonly number[])[]): [TypedArray, Strides3] | undefined {
  const shape = x.shape;
  const stride = stridesOf(shape);
  const out: number[] = [];
  for (const g of groups) {
    const axes = g.filter((a) => shape[a] !== 1); // length-1 axes do not move through memory
    for (let t = 0; t + 1 < axes.length; t++)
      if (stride[axes[t]!] !== stride[axes[t + 1]!]! * shape[axes[t + 1]!]!) return undefined;
    out.push(axes.length ? stride[axes[axes.length - 1]!]! : 0);
  }
  return [data(x), out as unknown as Strides3];
}
const contiguous = (x: Tensor, order: number[]) => data(permuted(x, order));

/** Eager copy of `x` with axes in `order` (skips the copy when already in order). */
const permuted = (x: Tensor, order: number[]) =>
  order.every((a, i) => a === i)
    ? x
    : transposeP.impl([x], { permutation: order }, [
        new ShapedArray(
          order.map((a) => x.shape[a]!),
          x.dtype,
        ),
      ])[0]!;

/**
 * Cotangent of one operand: contract ct with the other operand over the other's free axes, then put the
 * axes back in this operand's order. `mine`/`other` are (contracting, batch) of each side.
 */
function transposeSide(
  ct: Tensor,
  other: Tensor,
  myNdim: number,
  mine: [readonly number[], readonly number[]],
  theirs: [readonly number[], readonly number[]],
  ctOtherFree: number[],
) {
  const [mc, mb] = mine;
  const [oc, ob] = theirs;
  const oFree = freeDims(other.ndim, oc, ob);
  const nb = mb.length;
  // ct·other has axes: batch, my free (ascending), then my contracting (in the other's ascending order);
  // other·ct has: batch, my contracting, then my free. Whichever is already in my axes' order needs no transpose.
  const myFree = freeDims(myNdim, mc, mb);
  const myContracting = [...oc].sort((a, b) => a - b).map((o) => mc[oc.indexOf(o)]!);
  const order = (labels: number[]) => range(myNdim).map((k) => labels.indexOf(k));
  const swapped = order([...mb, ...myContracting, ...myFree]);
  if (swapped.every((a, i) => a === i))
    return dotGeneral(other, ct, [
      [oFree, ctOtherFree],
      [ob, range(nb)],
    ]);
  return transposeOp(
    dotGeneral(ct, other, [
      [ctOtherFree, oFree],
      [range(nb), ob],
    ]),
    order([...mb, ...myFree, ...myContracting]),
  );
}

/** Multiply-adds from which float64 runs in the backend's kernel (same bits as JS; below, the copies cost more). */
const MIN_WASM_F64 = 4096;

/**
 * The product into `c` (every element written): the backend's kernel for float32 (and float64 from MIN_WASM_F64) where
 * it fits, the JS one otherwise.
 */
function matmulInto(
  [l, r]: Tensor[],
  { dimension_numbers: [[lc, rc], [lb, rb]] }: DotParams,
  out: ShapedArray,
  c: TypedArray,
): void {
  const lf = freeDims(l!.ndim, lc, lb);
  const rf = freeDims(r!.ndim, rc, rb);
  const size = (x: Tensor, ds: number[] | readonly number[]) => sizeOf(ds.map((d) => x.shape[d]!));
  const [nb, m, k, n] = [size(l!, lb), size(l!, lf), size(l!, lc), size(r!, rf)];
  const f64 = out.dtype === "float64";
  const simd = out.dtype === "float32" || (f64 && m * k * n >= MIN_WASM_F64) ? eagerBackend() : undefined;
  const wide = f64 ? 2 : 1;
  if (simd?.ready() && (!f64 || simd.matmul64) && simd.fitsMatmul(wide * l!.size, wide * r!.size, wide * out.size)) {
    // the kernel reads through strides, so a transposed operand needs no copy when its axis groups merge
    const lv = viewStrides(l!, [lb, lf, lc]) ?? [contiguous(l!, [...lb, ...lf, ...lc]), [m * k, k, 1] as const];
    const rv = viewStrides(r!, [rb, rc, rf]) ?? [contiguous(r!, [...rb, ...rc, ...rf]), [k * n, n, 1] as const];
    if (f64) simd.matmul64!(lv[0] as Float64Array, lv[1], rv[0] as Float64Array, rv[1], nb, m, k, n, c as Float64Array);
    else simd.matmul(lv[0] as Float32Array, lv[1], rv[0] as Float32Array, rv[1], nb, m, k, n, c as Float32Array);
  } else
    batchedMatmul(data(permuted(l!, [...lb, ...lf, ...lc])), data(permuted(r!, [...rb, ...rc, ...rf])), nb, m, k, n, c);
}

export const dotGeneralP = definePrimitive<DotParams>({
  name: "dot_general",
  abstractEval: ([l, r], { dimension_numbers }) => check(l!, r!, dimension_numbers),
  impl: (args, params, out) => {
    const c = allocateFilledLater(out.dtype, out.size);
    matmulInto(args, params, out, c);
    return Tensor._of(c, out.shape, out.dtype);
  },
  implInto: matmulInto,
  // its result is a new array (or the buffer it is given), never an operand's data
  freshOutputs: true,
  // d(x·y) = dx·y + x·dy
  ad: bilinear((ct, [l, r], { dimension_numbers: [[lc, rc], [lb, rb]] }) => {
    const nb = lb.length;
    const lfN = freeDims(l!.aval.ndim, lc, lb).length;
    const rfN = freeDims(r!.aval.ndim, rc, rb).length;
    const lin = (x: LinearArg) => isUndefined(x);
    return [
      lin(l!)
        ? transposeSide(
            ct,
            r as Tensor,
            l!.aval.ndim,
            [lc, lb],
            [rc, rb],
            range(rfN).map((i) => nb + lfN + i),
          )
        : null,
      lin(r!)
        ? transposeSide(
            ct,
            l as Tensor,
            r!.aval.ndim,
            [rc, rb],
            [lc, lb],
            range(lfN).map((i) => nb + i),
          )
        : null,
    ];
  }),
  formatParams: ({ dimension_numbers: [[lc, rc], [lb, rb]] }) =>
    `[dimension_numbers=(([${lc}], [${rc}]), ([${lb}], [${rb}]))]`,
  // a batched operand's batch axis becomes a batch dimension (both) or its first free axis (one)
  batch: ([l, r], [dl, dr], { dimension_numbers: [[lc, rc], [lb, rb]] }) => {
    const up = (ds: readonly number[]) => ds.map((d) => d + 1);
    if (dl !== null && dr !== null) {
      return [
        dotGeneral(moveAxis(l!, dl, 0), moveAxis(r!, dr, 0), [
          [up(lc), up(rc)],
          [
            [0, ...up(lb)],
            [0, ...up(rb)],
          ],
        ]),
        0,
      ];
    }
    if (dl !== null)
      return [
        dotGeneral(moveAxis(l!, dl, 0), r!, [
          [up(lc), rc],
          [up(lb), rb],
        ]),
        lb.length,
      ];
    return [
      dotGeneral(l!, moveAxis(r!, dr!, 0), [
        [lc, up(rc)],
        [lb, up(rb)],
      ]),
      lb.length + freeDims(l!.ndim, lc, lb).length,
    ];
  },
  testing: {
    sample: (choose) => {
      const sizes = () => randomShape(choose, 2);
      const [b, c, lf, rf] = [randomShape(choose, 1), sizes(), sizes(), randomShape(choose, 1)];
      const shuffle = (n: number) => {
        const rest = range(n);
        return range(n).map(() => rest.splice(choose(rest.length), 1)[0]!);
      };
      // lhs logical axes [b, c, lf], rhs [b, c, rf], each stored in a random axis order
      const lp = shuffle(b.length + c.length + lf.length);
      const rp = shuffle(b.length + c.length + rf.length);
      const lLogical = [...b, ...c, ...lf];
      const rLogical = [...b, ...c, ...rf];
      const where = (p: number[], i: number) => p.indexOf(i);
      const dn: DimensionNumbers = [
        [c.map((_, i) => where(lp, b.length + i)), c.map((_, i) => where(rp, b.length + i))],
        [b.map((_, i) => where(lp, i)), b.map((_, i) => where(rp, i))],
      ];
      return {
        avals: [
          new ShapedArray(
            lp.map((i) => lLogical[i]!),
            "float64",
          ),
          new ShapedArray(
            rp.map((i) => rLogical[i]!),
            "float64",
          ),
        ],
        params: { dimension_numbers: dn },
      };
    },
  },
});

export const dotGeneral = (l: Tensor, r: Tensor, dimensionNumbers: DimensionNumbers): Tensor =>
  bind1(dotGeneralP, [l, r], { dimension_numbers: dimensionNumbers });
