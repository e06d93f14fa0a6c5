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
;;
;; Memory [0, 12288) holds the expansion tables that $init fills at instantiation (the callers'
;; inputs start after them, kernels.ts TABLES_BYTES): a 16-byte block is converted in two halves
;; of 8 bytes, and for each half the 8-bit mask of the bytes that get a byte inserted before them
;; (a CR before a bare LF; a backslash before a JSON escape) picks 16 bytes of each table:
;;   $expand_idx  [0, 4096):     for each output lane, the input byte it takes (0x80: none)
;;   $expand_ins  [4096, 8192):  0xff in the lanes of an inserted byte
;;   $expand_esc  [8192, 12288): 0xff in the lanes of a byte that had one inserted before it
;; so that a block with line ends costs a few vector steps instead of a branch per line.
(module
  (memory (export "memory") 1)
  (start $init)

  (global $expand_idx i32 (i32.const 0))
  (global $expand_ins i32 (i32.const 4096))
  (global $expand_esc i32 (i32.const 8192))

  ;; The three tables, for every mask m of 8 bits: output lanes in order, each input byte b of
  ;; the half preceded by an inserted lane when bit b of m is set; the lanes after the last
  ;; (up to 16 when all 8 bits are set) take nothing.
  (func $init
    (local $m i32) (local $b i32) (local $j i32) (local $at i32)
    (loop $masks
      (local.set $at (i32.shl (local.get $m) (i32.const 4)))
      (v128.store (i32.add (global.get $expand_idx) (local.get $at)) (i8x16.splat (i32.const 0x80)))
      (v128.store (i32.add (global.get $expand_ins) (local.get $at)) (v128.const i64x2 0 0))
      (v128.store (i32.add (global.get $expand_esc) (local.get $at)) (v128.const i64x2 0 0))
      (local.set $j (i32.const 0))
      (local.set $b (i32.const 0))
      (loop $bits
        (if (i32.and (local.get $m) (i32.shl (i32.const 1) (local.get $b)))
          (then
            (i32.store8 (i32.add (global.get $expand_ins) (i32.add (local.get $at) (local.get $j))) (i32.const 0xff))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (i32.store8 (i32.add (global.get $expand_esc) (i32.add (local.get $at) (local.get $j))) (i32.const 0xff))))
        (i32.store8 (i32.add (global.get $expand_idx) (i32.add (local.get $at) (local.get $j))) (local.get $b))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br_if $bits (i32.lt_u (local.get $b) (i32.const 8))))
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br_if $masks (i32.lt_u (local.get $m) (i32.const 256)))))

  ;; Half `half` (0: bytes 0-7, 1: bytes 8-15) of block $v, with a byte inserted before each
  ;; byte whose bit is set in the 8-bit `mask`: the 16 lanes of which the first 8 + popcnt(mask) count.
  (func $expand (param $v v128) (param $mask i32) (param $half i32) (result v128)
    (i8x16.swizzle (local.get $v)
      (i8x16.add (v128.load (i32.add (global.get $expand_idx) (i32.shl (local.get $mask) (i32.const 4))))
                 (i8x16.splat (i32.shl (local.get $half) (i32.const 3))))))

  (func $inserted (param $mask i32) (result v128)
    (v128.load (i32.add (global.get $expand_ins) (i32.shl (local.get $mask) (i32.const 4)))))

  (func $escaped (param $mask i32) (result v128)
    (v128.load (i32.add (global.get $expand_esc) (i32.shl (local.get $mask) (i32.const 4)))))

  ;; $served for a Maildir or spooled file (no mbox rules): 16 bytes per step, a block with bare
  ;; LFs expanded by the tables, a CR in each inserted lane.
  (func $served_plain (param $in i32) (param $len i32) (param $out i32) (param $flags i32) (result i32)
    (local $i i32) (local $end i32) (local $o i32) (local $v v128) (local $lf i32) (local $cr i32)
    (local $bare i32) (local $prev i32) (local $h i32) (local $b i32)
    (local.set $i (local.get $in))
    (local.set $end (i32.add (local.get $in) (local.get $len)))
    (local.set $o (local.get $out))
    ;; 1 when the byte before the one at $i is a CR.
    (local.set $prev (i32.and (i32.shr_u (local.get $flags) (i32.const 1)) (i32.const 1)))
    (block $tail
      (loop $blocks
        (br_if $tail (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load (local.get $i)))
        (local.set $lf (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 10)))))
        (local.set $cr (i8x16.bitmask (i8x16.eq (local.get $v) (i8x16.splat (i32.const 13)))))
        ;; Bit k of (cr << 1 | prev): byte k follows a CR.
        (local.set $bare (i32.and (local.get $lf) (i32.xor (i32.or (i32.shl (local.get $cr) (i32.const 1)) (local.get $prev)) (i32.const -1))))
        (local.set $prev (i32.and (i32.shr_u (local.get $cr) (i32.const 15)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (if (i32.eqz (local.get $bare))
          (then
            (v128.store (local.get $o) (local.get $v))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $blocks)))
        (local.set $h (i32.and (local.get $bare) (i32.const 0xff)))
        (v128.store (local.get $o)
          (v128.or (call $expand (local.get $v) (local.get $h) (i32.const 0))
                   (v128.and (call $inserted (local.get $h)) (i8x16.splat (i32.const 13)))))
        (local.set $o (i32.add (local.get $o) (i32.add (i32.const 8) (i32.popcnt (local.get $h)))))
        (local.set $h (i32.shr_u (local.get $bare) (i32.const 8)))
        (v128.store (local.get $o)
          (v128.or (call $expand (local.get $v) (local.get $h) (i32.const 1))
                   (v128.and (call $inserted (local.get $h)) (i8x16.splat (i32.const 13)))))
        (local.set $o (i32.add (local.get $o) (i32.add (i32.const 8) (i32.popcnt (local.get $h)))))
        (br $blocks)))
    ;; The last few bytes, one at a time.
    (loop $bytes
      (if (i32.lt_u (local.get $i) (local.get $end))
        (then
          (local.set $b (i32.load8_u (local.get $i)))
          (if (i32.and (i32.eq (local.get $b) (i32.const 10)) (i32.eqz (local.get $prev)))
            (then
              (i32.store8 (local.get $o) (i32.const 13))
              (local.set $o (i32.add (local.get $o) (i32.const 1)))))
          (i32.store8 (local.get $o) (local.get $b))
          (local.set $o (i32.add (local.get $o) (i32.const 1)))
          (local.set $prev (i32.eq (local.get $b) (i32.const 13)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $bytes))))
    (i32.sub (local.get $o) (local.get $out)))

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
    (if (i32.eqz (i32.and (local.get $flags) (i32.const 1)))
      (then (return (call $served_plain (local.get $in) (local.get $len) (local.get $out) (local.get $flags)))))
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
    (local $h i32) (local $t v128)
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
            ;; Every such byte one that has an escape (no other control byte, DEL or 8-bit): the
            ;; block expanded by the tables, a backslash in each inserted lane and the escape's
            ;; letter in place of the byte after it (picked by the byte's low 4 bits, which
            ;; differ for TAB, LF, CR, '"' and '\').
            (if (i32.eqz (i8x16.bitmask
                  (v128.or
                    (v128.andnot (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 32)))
                                 (v128.or (v128.or (i8x16.eq (local.get $v) (i8x16.splat (i32.const 9)))
                                                   (i8x16.eq (local.get $v) (i8x16.splat (i32.const 10))))
                                          (i8x16.eq (local.get $v) (i8x16.splat (i32.const 13)))))
                    (i8x16.gt_u (local.get $v) (i8x16.splat (i32.const 126))))))
              (then
                (local.set $h (i32.and (local.get $m) (i32.const 0xff)))
                (local.set $t (call $expand (local.get $v) (local.get $h) (i32.const 0)))
                (v128.store (local.get $o) (call $escape_letters (local.get $t) (local.get $h)))
                (local.set $o (i32.add (local.get $o) (i32.add (i32.const 8) (i32.popcnt (local.get $h)))))
                (local.set $h (i32.shr_u (local.get $m) (i32.const 8)))
                (local.set $t (call $expand (local.get $v) (local.get $h) (i32.const 1)))
                (v128.store (local.get $o) (call $escape_letters (local.get $t) (local.get $h)))
                (local.set $o (i32.add (local.get $o) (i32.add (i32.const 8) (i32.popcnt (local.get $h)))))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
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
        (if (i32.eq (local.get $b) (i32.const 13)) (then (i32.store16 (local.get $o) (i32.const 0x725c)) (local.set $o (i32.add (local.get $o) (i32.const 2))) (br $next)))
        (if (i32.eq (local.get $b) (i32.const 9)) (then (i32.store16 (local.get $o) (i32.const 0x745c)) (local.set $o (i32.add (local.get $o) (i32.const 2))) (br $next)))
        (if (i32.eq (local.get $b) (i32.const 34)) (then (i32.store16 (local.get $o) (i32.const 0x225c)) (local.set $o (i32.add (local.get $o) (i32.const 2))) (br $next)))
        (if (i32.eq (local.get $b) (i32.const 92)) (then (i32.store16 (local.get $o) (i32.const 0x5c5c)) (local.set $o (i32.add (local.get $o) (i32.const 2))) (br $next)))
        (if (i32.or (i32.lt_u (local.get $b) (i32.const 32)) (i32.gt_u (local.get $b) (i32.const 126))) (then (return (i32.const -1))))
        (i32.store8 (local.get $o) (local.get $b))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $next)))
    (i32.sub (local.get $o) (local.get $out)))

  ;; An expanded half ($expand with the escape mask `mask`): a backslash in each inserted lane,
  ;; each escaped byte's letter (t n r " \\ by its low 4 bits) in its own.
  (func $escape_letters (param $t v128) (param $mask i32) (result v128)
    (v128.or
      (v128.bitselect
        (i8x16.swizzle (v128.const i8x16 0 0 0x22 0 0 0 0 0 0 0x74 0x6e 0 0x5c 0x72 0 0)
                       (v128.and (local.get $t) (i8x16.splat (i32.const 15))))
        (local.get $t)
        (call $escaped (local.get $mask)))
      (v128.and (call $inserted (local.get $mask)) (i8x16.splat (i32.const 0x5c)))))

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
