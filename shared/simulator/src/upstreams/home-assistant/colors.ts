// Colour conversions for simulated lights, ported from Home Assistant's `util/color.py` so the
// derived attributes (hs_color, rgb_color, xy_color, rgbw_color, ...) carry the numbers a real
// light entity reports. Why ported and not approximated: clients compare these attributes, and
// the demo dump (light.office_rgbw_lights: rgbw (255,0,0,255) -> rgb (255,128,128)) is the check.

export type Rgb = [number, number, number];
export type Hs = [number, number];

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(value: number, digits = 0): number {
  const factor = 10 ** digits;
  const scaled = value * factor;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  let rounded: number;
  if (Math.abs(diff - 0.5) < 1e-9) rounded = floor % 2 === 0 ? floor : floor + 1;
  else rounded = Math.round(scaled);
  return rounded / factor;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** colorsys.hsv_to_rgb. */
function hsvToRgbFractions(h: number, s: number, v: number): Rgb {
  if (s === 0) return [v, v, v];
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

/** color_hs_to_RGB (full value, truncated like the real one). */
export function hsToRgb([hue, saturation]: Hs): Rgb {
  const [r, g, b] = hsvToRgbFractions(hue / 360, saturation / 100, 1);
  return [Math.trunc(r * 255), Math.trunc(g * 255), Math.trunc(b * 255)];
}

/** color_RGB_to_hs, rounded to 3 decimals. */
export function rgbToHs([red, green, blue]: Rgb): Hs {
  const r = red / 255;
  const g = green / 255;
  const b = blue / 255;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max === min) return [0, 0];
  const saturation = (max - min) / max;
  const rc = (max - r) / (max - min);
  const gc = (max - g) / (max - min);
  const bc = (max - b) / (max - min);
  let hue: number;
  if (r === max) hue = bc - gc;
  else if (g === max) hue = 2 + rc - bc;
  else hue = 4 + gc - rc;
  hue = (((hue / 6) % 1) + 1) % 1;
  return [roundHalfEven(hue * 360, 3), roundHalfEven(saturation * 100, 3)];
}

/** color_RGB_to_xy (Wide RGB D65, gamma corrected), rounded to 3 decimals. */
export function rgbToXy([red, green, blue]: Rgb): [number, number] {
  const linear = (channel: number): number => {
    const c = channel / 255;
    return c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92;
  };
  const r = linear(red);
  const g = linear(green);
  const b = linear(blue);
  const x = r * 0.664511 + g * 0.154324 + b * 0.162028;
  const y = r * 0.283881 + g * 0.668433 + b * 0.047685;
  const z = r * 0.000088 + g * 0.07231 + b * 0.986039;
  const sum = x + y + z;
  if (sum === 0) return [0, 0];
  return [roundHalfEven(x / sum, 3), roundHalfEven(y / sum, 3)];
}

/** color_xy_brightness_to_RGB at full brightness. */
export function xyToRgb([vx, vy]: [number, number]): Rgb {
  if (vy === 0) return [0, 0, 0];
  const y = 1;
  const x = (y / vy) * vx;
  const z = (y / vy) * (1 - vx - vy);
  const channels = [
    x * 1.656492 - y * 0.354851 - z * 0.255038,
    -x * 0.707196 + y * 1.655397 + z * 0.036152,
    x * 0.051713 - y * 0.121364 + z * 1.01153,
  ].map((c) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055));
  const positive = channels.map((c) => Math.max(0, c));
  const max = Math.max(...positive);
  const scaled = max > 1 ? positive.map((c) => c / max) : positive;
  return [
    Math.trunc((scaled[0] ?? 0) * 255),
    Math.trunc((scaled[1] ?? 0) * 255),
    Math.trunc((scaled[2] ?? 0) * 255),
  ];
}

/** color_temperature_to_rgb (Tanner Helland's fit), unrounded. */
export function kelvinToRgb(kelvin: number): Rgb {
  const temperature = clamp(kelvin, 1000, 40000) / 100;
  const red =
    temperature <= 66 ? 255 : clamp(329.698727446 * (temperature - 60) ** -0.1332047592, 0, 255);
  const green =
    temperature <= 66
      ? clamp(99.4708025861 * Math.log(temperature) - 161.1195681661, 0, 255)
      : clamp(288.1221695283 * (temperature - 60) ** -0.0755148492, 0, 255);
  let blue: number;
  if (temperature >= 66) blue = 255;
  else if (temperature <= 19) blue = 0;
  else blue = clamp(138.5177312231 * Math.log(temperature - 10) - 305.0447927307, 0, 255);
  return [red, green, blue];
}

export function kelvinToHs(kelvin: number): Hs {
  return rgbToHs(kelvinToRgb(kelvin));
}

function kelvinToMired(kelvin: number): number {
  return Math.floor(1_000_000 / kelvin);
}

function miredToKelvin(mired: number): number {
  return Math.floor(1_000_000 / mired);
}

/** _match_max_scale: scales `output` so its maximum equals the maximum of `input`. */
function matchMaxScale(input: number[], output: number[]): number[] {
  const maxIn = Math.max(...input);
  const maxOut = Math.max(...output);
  const factor = maxOut === 0 ? 0 : maxIn / maxOut;
  return output.map((value) => roundHalfEven(value * factor));
}

export function rgbwToRgb([r, g, b, w]: [number, number, number, number]): Rgb {
  return matchMaxScale([r, g, b, w], [r + w, g + w, b + w]) as Rgb;
}

export function rgbToRgbw([r, g, b]: Rgb): [number, number, number, number] {
  const w = Math.min(r, g, b);
  return matchMaxScale([r, g, b], [r - w, g - w, b - w, w]) as [number, number, number, number];
}

export function rgbwwToRgb(
  [r, g, b, cw, ww]: [number, number, number, number, number],
  minKelvin: number,
  maxKelvin: number,
): Rgb {
  const maxMireds = kelvinToMired(minKelvin);
  const minMireds = kelvinToMired(maxKelvin);
  const ratio = cw + ww === 0 ? 0.5 : ww / (cw + ww);
  const mired = minMireds + ratio * (maxMireds - minMireds);
  const [wr, wg, wb] = kelvinToRgb(mired ? miredToKelvin(mired) : 0);
  const white = Math.max(cw, ww) / 255;
  return matchMaxScale([r, g, b, cw, ww], [r + wr * white, g + wg * white, b + wb * white]) as Rgb;
}

export function rgbToRgbww(
  [r, g, b]: Rgb,
  minKelvin: number,
  maxKelvin: number,
): [number, number, number, number, number] {
  const maxMireds = kelvinToMired(minKelvin);
  const minMireds = kelvinToMired(maxKelvin);
  const midpoint = minMireds + (maxMireds - minMireds) / 2;
  const [wr, wg, wb] = kelvinToRgb(miredToKelvin(midpoint));
  const white = Math.min(wr ? r / wr : 0, wg ? g / wg : 0, wb ? b / wb : 0);
  const level = roundHalfEven(white * 255);
  return matchMaxScale(
    [r, g, b],
    [r - wr * white, g - wg * white, b - wb * white, level, level],
  ) as [number, number, number, number, number];
}

export function kelvinToRgbww(
  kelvin: number,
  minKelvin: number,
  maxKelvin: number,
): [number, number, number, number, number] {
  const maxMireds = kelvinToMired(minKelvin);
  const minMireds = kelvinToMired(maxKelvin);
  const mired = kelvinToMired(kelvin);
  const cold = ((maxMireds - mired) / (maxMireds - minMireds)) * 255;
  return [0, 0, 0, roundHalfEven(cold), roundHalfEven(255 - cold)];
}

/** A few CSS colour names (`util/color.py` COLORS has all 148). */
export const COLOR_NAMES: Record<string, Rgb> = {
  red: [255, 0, 0],
  green: [0, 128, 0],
  blue: [0, 0, 255],
  white: [255, 255, 255],
  yellow: [255, 255, 0],
  orange: [255, 165, 0],
  purple: [128, 0, 128],
  pink: [255, 192, 203],
  cyan: [0, 255, 255],
  magenta: [255, 0, 255],
  warmwhite: [255, 231, 203],
  homeassistant: [24, 188, 242],
};
