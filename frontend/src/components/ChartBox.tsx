import { type ReactElement, useLayoutEffect, useRef, useState } from "react";

/** The box's content width in whole pixels. */
function widthOf(box: HTMLElement): number {
  return Math.floor(box.getBoundingClientRect().width);
}

/**
 * A chart's box, as wide as its card: it measures its width before the first paint, so the
 * chart renders once at its real size (Recharts' ResponsiveContainer renders it twice: at a
 * guessed size, then measured), and again only when the box is resized.
 */
export function ChartBox({ height, children }: { height: number; children: (width: number) => ReactElement }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    setWidth(widthOf(element));
    const observer = new ResizeObserver(() => setWidth(widthOf(element)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return (
    <div ref={box} className="chart" style={{ height }}>
      {width > 0 && children(width)}
    </div>
  );
}
