;; Byte kernels for the download path, in WebAssembly with 128-bit SIMD: the per-byte work of
;; serving a stored message (bare LF -> CRLF, mboxrd ">From " unquoting) and of recording it
;; (printable ASCII -> JSON string body) at memory speed rather than one JavaScript step per
;; line. Each function reads [in, in + len) and writes at out; the caller (kernels.ts) owns the
;; memory layout and leaves 16 bytes of slack after every output, because a 16-byte block is
;; stored whole before the function knows how much of it counts.
;;
;; The JavaScript reference of each rule is kept beside its caller (body.ts ServedLines,
;; recorder.ts printableAsciiJson) and the tests compare the two on every chunk boundary.
;; kernels-wasm.ts is generated from this file (npm run build:kernels).
(module
  (memory (export "memory") 1)

  ;; "From " as five little-endian bytes: the text after the '>'s of a quoted mbox line.
  (global $from_sp i64 (i64.const 0x206d6f7246))
  ;; A line's first QUOTE_SCAN_BYTES bytes are looked at (body.ts).
  (global $quote_scan i32 (i32.const 1024))

  ;; At a line start that is '>': 1 when the line is a quoted From line (">From ", ">>From ",
  ;; ... within the line's first $quote_scan bytes), 0 when it is not, -1 when the bytes end
  ;; before that is known. The same steps as ServedLines.decide.
  (func $quoted (param $i i32) (param $end i32) (result i32)
    (local $p i32) (local $matched i32) (local $ch i32)
    (local.set $p (local.get $i))
    (loop $step
      (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
      (local.set $ch (i32.load8_u (local.get $p)))
      (if (i32.or (i32.eq (local.get $ch) (i32.const 10))
                  (i32.ge_u (i32.sub (local.get $p) (local.get $i)) (global.get $quote_scan)))
        (then (return (i32.const 0))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (if (i32.and (i32.eqz (local.get $matched)) (i32.eq (local.get $ch) (i32.const 62)))
        (then (br $step)))
      (if (i32.ne (local.get $ch)
                  (i32.wrap_i64 (i64.and (i64.shr_u (global.get $from_sp) (i64.extend_i32_u (i32.shl (local.get $matched) (i32.const 3))))
                                         (i64.const 0xff))))
        (then (return (i32.const 0))))
      (local.set $matched (i32.add (local.get $matched) (i32.const 1)))
      (br_if $step (i32.lt_u (local.get $matched) (i32.const 5))))
    (i32.const 1))

  ;; Served bytes of a chunk of file bytes: every LF without a CR before it gets one; with
  ;; `flags & 1` (an mbox) a quoted From line loses its first '>'. `flags & 2`: the byte before
  ;; the chunk was a CR; `flags & 4`: the chunk starts a line. Returns the output length, or -1
  ;; when a line head at the chunk's end cannot be decided yet (the caller converts that chunk
  ;; the general way). Output: at most 2 * len bytes.
  (func (export "served") (param $in i32) (param $len i32) (param $out i32) (param $flags i32) (result i32)
    (local $i i32) (local $end i32) (local $o i32) (local $v v128) (local $m i32) (local $q i32)
    (local $at_line_start i32)
    (local.set $i (local.get $in))
    (local.set $end (i32.add (local.get $in) (local.get $len)))
    (local.set $o (local.get $out))
    (local.set $at_line_start (i32.and (local.get $flags) (i32.const 4)))
    (block $done
      (loop $line
        (if (i32.and (i32.and (local.get $flags) (i32.const 1)) (i32.ne (local.get $at_line_start) (i32.const 0)))
          (then
            (if (i32.lt_u (local.get $i) (local.get $end))
              (then
                (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 62))
                  (then
                    (local.set $q (call $quoted (local.get $i) (local.get $end)))
                    (if (i32.lt_s (local.get $q) (i32.const 0)) (then (return (i32.const -1))))
                    (local.set $i (i32.add (local.get $i) (local.get $q)))))))))
        (local.set $at_line_start (i32.const 0))
        ;; Copy up to the next LF: 16 bytes at a time, then byte by byte for the last few.
        (block $at_lf
          (loop $blocks
            (if (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $end))
              (then
                (local.set $v (v128.load (local.get $i)))
                (v128.store (local.get $o) (local.get $v))
                (local.set $m (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 10)))))
                (if (i32.eqz (local.get $m))
                  (then
                    (local.set $i (i32.add (local.get $i) (i32.const 16)))
                    (local.set $o (i32.add (local.get $o) (i32.const 16)))
                    (br $blocks)))
                (local.set $m (i32.ctz (local.get $m)))
                (local.set $i (i32.add (local.get $i) (local.get $m)))
                (local.set $o (i32.add (local.get $o) (local.get $m)))
                (br $at_lf))))
          (loop $bytes
            (br_if $at_lf (i32.ge_u (local.get $i) (local.get $end)))
            (br_if $at_lf (i32.eq (i32.load8_u (local.get $i)) (i32.const 10)))
            (i32.store8 (local.get $o) (i32.load8_u (local.get $i)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br $bytes)))
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        ;; The LF at $i, with a CR unless the byte before it is one.
        (if (i32.eqz
              (if (result i32) (i32.gt_u (local.get $i) (local.get $in))
                (then (i32.eq (i32.load8_u (i32.sub (local.get $i) (i32.const 1))) (i32.const 13)))
                (else (i32.and (local.get $flags) (i32.const 2)))))
          (then
            (i32.store8 (local.get $o) (i32.const 13))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))))
        (i32.store8 (local.get $o) (i32.const 10))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $at_line_start (i32.const 1))
        (br $line)))
    (i32.sub (local.get $o) (local.get $out)))

  ;; The body of a JSON string (without its quotes) for bytes that are printable ASCII, tab, CR
  ;; or LF, escaped as JSON.stringify escapes them (\\ \" \t \r \n, nothing else); -1 at the
  ;; first other byte (a control character, DEL, 8-bit). Output: at most 2 * len bytes.
  (func (export "json") (param $in i32) (param $len i32) (param $out i32) (result i32)
    (local $i i32) (local $end i32) (local $o i32) (local $v v128) (local $m i32) (local $b i32)
    (local.set $i (local.get $in))
    (local.set $end (i32.add (local.get $in) (local.get $len)))
    (local.set $o (local.get $out))
    (block $done
      (loop $next
        ;; 16 bytes at a time while none needs an escape.
        (block $special
          (loop $blocks
            (br_if $special (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
            (local.set $v (v128.load (local.get $i)))
            (v128.store (local.get $o) (local.get $v))
            (local.set $m (i8x16.bitmask
              (v128.or
                (v128.or (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 32)))
                         (i8x16.gt_u (local.get $v) (i8x16.splat (i32.const 126))))
                (v128.or (i8x16.eq (local.get $v) (i8x16.splat (i32.const 34)))
                         (i8x16.eq (local.get $v) (i8x16.splat (i32.const 92)))))))
            (if (i32.eqz (local.get $m))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $blocks)))
            (local.set $m (i32.ctz (local.get $m)))
            (local.set $i (i32.add (local.get $i) (local.get $m)))
            (local.set $o (i32.add (local.get $o) (local.get $m)))))
        ;; One byte: one that needs an escape, or one of the last few.
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $b (i32.load8_u (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        ;; Escapes stored as two little-endian bytes: '\\' then the letter.
        (if (i32.eq (local.get $b) (i32.const 10)) (then (i32.store16 (local.get $o) (i32.const 0x6e5c)) (local.set $o (i32.add (local.get $o) (i32.const 2))) (br $next)))
        ;; CR LF, a mail line's end: both escapes in one store, and on to the next block.
        (if (i32.and (i32.eq (local.get $b) (i32.const 13))
                     (i32.and (i32.lt_u (local.get $i) (local.get $end)) (i32.eq (i32.load8_u (local.get $i)) (i32.const 10))))
          (then
            (i32.store (local.get $o) (i32.const 0x6e5c725c))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (br $next)))
        (if (i32.eq (local.get $b) (i32.const 13)) (then (i32.store16 (local.get $o) (i32.const 0x725c)) (local.set $o (i32.add (local.get $o) (i32.const 2))) (br $next)))
        (if (i32.eq (local.get $b) (i32.const 9)) (then (i32.store16 (local.get $o) (i32.const 0x745c)) (local.set $o (i32.add (local.get $o) (i32.const 2))) (br $next)))
        (if (i32.eq (local.get $b) (i32.const 34)) (then (i32.store16 (local.get $o) (i32.const 0x225c)) (local.set $o (i32.add (local.get $o) (i32.const 2))) (br $next)))
        (if (i32.eq (local.get $b) (i32.const 92)) (then (i32.store16 (local.get $o) (i32.const 0x5c5c)) (local.set $o (i32.add (local.get $o) (i32.const 2))) (br $next)))
        (if (i32.or (i32.lt_u (local.get $b) (i32.const 32)) (i32.gt_u (local.get $b) (i32.const 126))) (then (return (i32.const -1))))
        (i32.store8 (local.get $o) (local.get $b))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $next)))
    (i32.sub (local.get $o) (local.get $out)))

  ;; LFs without a CR before them in [in, in + len) (`prev_cr`: the byte before was a CR): what
  ;; LF -> CRLF adds to a file's size (body.ts CrlfMeter).
  (func (export "bareLfs") (param $in i32) (param $len i32) (param $prev_cr i32) (result i32)
    (local $i i32) (local $end i32) (local $v v128) (local $lf i32) (local $cr i32) (local $n i32) (local $b i32)
    (local.set $i (local.get $in))
    (local.set $end (i32.add (local.get $in) (local.get $len)))
    (block $tail
      (loop $blocks
        (br_if $tail (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load (local.get $i)))
        (local.set $lf (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 10)))))
        (local.set $cr (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 13)))))
        ;; Bit k of (cr << 1 | prev_cr): byte k follows a CR.
        (local.set $n (i32.add (local.get $n)
          (i32.popcnt (i32.and (local.get $lf) (i32.xor (i32.or (i32.shl (local.get $cr) (i32.const 1)) (local.get $prev_cr)) (i32.const -1))))))
        (local.set $prev_cr (i32.and (i32.shr_u (local.get $cr) (i32.const 15)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $blocks)))
    (loop $bytes
      (if (i32.lt_u (local.get $i) (local.get $end))
        (then
          (local.set $b (i32.load8_u (local.get $i)))
          (if (i32.and (i32.eq (local.get $b) (i32.const 10)) (i32.eqz (local.get $prev_cr)))
            (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
          (local.set $prev_cr (i32.eq (local.get $b) (i32.const 13)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $bytes))))
    (local.get $n))
)
