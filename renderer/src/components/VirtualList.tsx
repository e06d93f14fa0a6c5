/**
 * A fixed-row-height virtualised list: only the rows in view (plus OVERSCAN) exist in the DOM,
 * so 50,000 transcript lines scroll like 50. When the view is at the bottom it follows new rows
 * (a live timeline), and stops following as soon as the technician scrolls up.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

export const OVERSCAN = 8;

export interface VirtualListProps {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ReactNode;
  /** Follow new rows while scrolled to the bottom. */
  follow?: boolean;
  label: string;
  className?: string;
  /** Bumps when rows change without the count changing (a new selection). */
  resetKey?: string;
  testId?: string;
}

export function VirtualList({ count, rowHeight, renderRow, follow = false, label, className, resetKey, testId }: VirtualListProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(480);
  const atBottom = useRef(true);
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight || 480);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = ref.current;
    if (el) el.scrollTop = 0;
    atBottom.current = true;
    setScrollTop(0);
  }, [resetKey]);

  // Follow the tail: after rows were added, jump to the end if we were there.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !follow || !atBottom.current) return;
    const end = Math.max(0, count * rowHeight - el.clientHeight);
    if (Math.abs(el.scrollTop - end) > 1) {
      el.scrollTop = end;
      setScrollTop(end);
    }
  }, [count, rowHeight, follow]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight;
    if (frame.current) return;
    // One state update per frame, however many scroll events arrive.
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setScrollTop(ref.current?.scrollTop ?? 0);
    });
  }, [rowHeight]);

  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} role="listitem" className="vrow" style={{ top: i * rowHeight, height: rowHeight }}>
        {renderRow(i)}
      </div>,
    );
  }
  return (
    <div ref={ref} className={'vlist ' + (className ?? '')} onScroll={onScroll} tabIndex={0} role="list" aria-label={label} data-testid={testId} data-count={count}>
      <div className="vlist-inner" style={{ height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
