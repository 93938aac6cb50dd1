// Simulated light entities: what a light remembers (brightness, colour mode and colour, also
// while off) and how Home Assistant's LightEntity turns that into state attributes, including
// the null attributes of a light that is off and the conversion of a requested colour into a
// mode the light supports (light/__init__.py async_handle_light_on_service).

import {
  hsToRgb,
  kelvinToHs,
  kelvinToRgb,
  kelvinToRgbww,
  rgbToHs,
  rgbToRgbw,
  rgbToRgbww,
  rgbToXy,
  rgbwToRgb,
  rgbwwToRgb,
  xyToRgb,
  type Hs,
  type Rgb,
} from './colors.js';

export type ColorMode =
  'onoff' | 'brightness' | 'color_temp' | 'hs' | 'xy' | 'rgb' | 'rgbw' | 'rgbww' | 'white';

/** LightEntityFeature.EFFECT. */
export const LIGHT_FEATURE_EFFECT = 4;
export const DEFAULT_MIN_KELVIN = 2000;
export const DEFAULT_MAX_KELVIN = 6535;

/** What a light entity knows about itself; kept while it is off so turning on restores it. */
export interface LightSettings {
  supportedColorModes: ColorMode[];
  minKelvin: number;
  maxKelvin: number;
  effectList: string[] | null;
  supportedFeatures: number;
  brightness: number;
  colorMode: ColorMode;
  kelvin: number;
  hs: Hs;
  rgb: Rgb;
  xy: [number, number];
  rgbw: [number, number, number, number];
  rgbww: [number, number, number, number, number];
  effect: string | null;
}

const COLOR_MODES_WITH_COLOR: ColorMode[] = ['hs', 'xy', 'rgb', 'rgbw', 'rgbww'];

function supportsBrightness(modes: ColorMode[]): boolean {
  return modes.some((mode) => mode !== 'onoff');
}

function supportsColorTemp(modes: ColorMode[]): boolean {
  return modes.includes('color_temp');
}

function supportsColor(modes: ColorMode[]): boolean {
  return modes.some((mode) => COLOR_MODES_WITH_COLOR.includes(mode));
}

/** _light_internal_convert_color: the colour attributes a light reports in `mode`. */
function colorAttributes(settings: LightSettings, mode: ColorMode): Record<string, unknown> {
  switch (mode) {
    case 'hs': {
      const rgb = hsToRgb(settings.hs);
      return { hs_color: settings.hs, rgb_color: rgb, xy_color: rgbToXy(rgb) };
    }
    case 'xy':
      return { hs_color: rgbToHs(settings.rgb), rgb_color: settings.rgb, xy_color: settings.xy };
    case 'rgb':
      return {
        hs_color: rgbToHs(settings.rgb),
        rgb_color: settings.rgb,
        xy_color: rgbToXy(settings.rgb),
      };
    case 'rgbw': {
      const rgb = rgbwToRgb(settings.rgbw);
      return {
        hs_color: rgbToHs(rgb),
        rgb_color: rgb,
        xy_color: rgbToXy(rgb),
        rgbw_color: settings.rgbw,
      };
    }
    case 'rgbww': {
      const rgb = rgbwwToRgb(settings.rgbww, settings.minKelvin, settings.maxKelvin);
      return {
        hs_color: rgbToHs(rgb),
        rgb_color: rgb,
        xy_color: rgbToXy(rgb),
        rgbww_color: settings.rgbww,
      };
    }
    case 'color_temp': {
      const hs = kelvinToHs(settings.kelvin);
      const rgb = hsToRgb(hs);
      return { hs_color: hs, rgb_color: rgb, xy_color: rgbToXy(rgb) };
    }
    default:
      return {};
  }
}

/** LightEntity.capability_attributes + state_attributes, then friendly_name and supported_features. */
export function lightAttributes(
  settings: LightSettings,
  isOn: boolean,
  friendlyName: string,
): Record<string, unknown> {
  const modes = settings.supportedColorModes;
  const attributes: Record<string, unknown> = {};
  if (supportsColorTemp(modes)) {
    attributes.min_color_temp_kelvin = settings.minKelvin;
    attributes.max_color_temp_kelvin = settings.maxKelvin;
  }
  const hasEffect = (settings.supportedFeatures & LIGHT_FEATURE_EFFECT) !== 0;
  if (hasEffect) attributes.effect_list = settings.effectList;
  attributes.supported_color_modes = [...modes].sort();
  const mode = isOn ? settings.colorMode : null;
  if (hasEffect) attributes.effect = isOn ? settings.effect : null;
  attributes.color_mode = mode;
  if (supportsBrightness(modes)) {
    attributes.brightness = mode && mode !== 'onoff' ? settings.brightness : null;
  }
  if (supportsColorTemp(modes)) {
    attributes.color_temp_kelvin = mode === 'color_temp' ? settings.kelvin : null;
  }
  if (supportsColor(modes) || supportsColorTemp(modes)) {
    attributes.hs_color = null;
    attributes.rgb_color = null;
    attributes.xy_color = null;
    if (modes.includes('rgbw')) attributes.rgbw_color = null;
    if (modes.includes('rgbww')) attributes.rgbww_color = null;
    if (mode) Object.assign(attributes, colorAttributes(settings, mode));
  }
  attributes.friendly_name = friendlyName;
  attributes.supported_features = settings.supportedFeatures;
  return attributes;
}

/** A colour request of light.turn_on, already validated. */
export interface LightColorRequest {
  brightness?: number;
  kelvin?: number;
  hs?: Hs;
  rgb?: Rgb;
  xy?: [number, number];
  rgbw?: [number, number, number, number];
  rgbww?: [number, number, number, number, number];
  white?: number;
  effect?: string;
}

function clampKelvin(settings: LightSettings, kelvin: number): number {
  return Math.min(settings.maxKelvin, Math.max(settings.minKelvin, Math.round(kelvin)));
}

/** Applies a colour given as RGB in the best mode the light supports. */
function applyRgb(settings: LightSettings, rgb: Rgb): void {
  const modes = settings.supportedColorModes;
  if (modes.includes('rgb')) {
    settings.colorMode = 'rgb';
    settings.rgb = rgb;
  } else if (modes.includes('hs')) {
    settings.colorMode = 'hs';
    settings.hs = rgbToHs(rgb);
  } else if (modes.includes('rgbw')) {
    settings.colorMode = 'rgbw';
    settings.rgbw = rgbToRgbw(rgb);
  } else if (modes.includes('rgbww')) {
    settings.colorMode = 'rgbww';
    settings.rgbww = rgbToRgbww(rgb, settings.minKelvin, settings.maxKelvin);
  } else if (modes.includes('xy')) {
    settings.colorMode = 'xy';
    settings.rgb = rgb;
    settings.xy = rgbToXy(rgb);
  }
}

/**
 * Turns a validated turn_on request into the light's new settings, converting colours the
 * light cannot show natively (async_handle_light_on_service); unsupported requests are ignored,
 * as Home Assistant drops them.
 */
export function applyLightRequest(settings: LightSettings, request: LightColorRequest): void {
  const modes = settings.supportedColorModes;
  if (request.brightness !== undefined && supportsBrightness(modes)) {
    settings.brightness = request.brightness;
  }
  if (request.kelvin !== undefined) {
    const kelvin = clampKelvin(settings, request.kelvin);
    if (modes.includes('color_temp')) {
      settings.colorMode = 'color_temp';
      settings.kelvin = kelvin;
    } else if (modes.includes('rgbww')) {
      settings.colorMode = 'rgbww';
      settings.rgbww = kelvinToRgbww(kelvin, settings.minKelvin, settings.maxKelvin);
    } else if (supportsColor(modes)) {
      const rgb = kelvinToRgb(kelvin).map((channel) => Math.round(channel)) as Rgb;
      if (modes.includes('hs')) {
        settings.colorMode = 'hs';
        settings.hs = kelvinToHs(kelvin);
      } else applyRgb(settings, rgb);
    }
  }
  if (request.hs) {
    if (modes.includes('hs')) {
      settings.colorMode = 'hs';
      settings.hs = request.hs;
    } else applyRgb(settings, hsToRgb(request.hs));
  }
  if (request.rgb) applyRgb(settings, request.rgb);
  if (request.xy) {
    if (modes.includes('xy')) {
      settings.colorMode = 'xy';
      settings.xy = request.xy;
    } else applyRgb(settings, xyToRgb(request.xy));
  }
  if (request.rgbw) {
    if (modes.includes('rgbw')) {
      settings.colorMode = 'rgbw';
      settings.rgbw = request.rgbw;
    } else applyRgb(settings, rgbwToRgb(request.rgbw));
  }
  if (request.rgbww) {
    if (modes.includes('rgbww')) {
      settings.colorMode = 'rgbww';
      settings.rgbww = request.rgbww;
    } else applyRgb(settings, rgbwwToRgb(request.rgbww, settings.minKelvin, settings.maxKelvin));
  }
  if (request.white !== undefined && modes.includes('white')) {
    settings.colorMode = 'white';
    settings.brightness = request.white;
  }
  if (
    request.effect !== undefined &&
    (settings.supportedFeatures & LIGHT_FEATURE_EFFECT) !== 0 &&
    settings.effectList?.includes(request.effect)
  ) {
    settings.effect = request.effect;
  }
}

/** The settings a demo light starts with (`components/demo/light.py` DemoLight.__init__). */
export function demoLightSettings(options: {
  supportedColorModes?: ColorMode[];
  kelvin?: number;
  hs?: Hs;
  rgbw?: [number, number, number, number];
  rgbww?: [number, number, number, number, number];
  effectList?: string[];
  effect?: string;
  brightness?: number;
}): LightSettings {
  let colorMode: ColorMode = 'color_temp';
  if (options.hs) colorMode = 'hs';
  else if (options.rgbw) colorMode = 'rgbw';
  else if (options.rgbww) colorMode = 'rgbww';
  return {
    supportedColorModes: options.supportedColorModes ?? ['hs', 'color_temp'],
    minKelvin: DEFAULT_MIN_KELVIN,
    maxKelvin: DEFAULT_MAX_KELVIN,
    effectList: options.effectList ?? null,
    supportedFeatures: options.effectList ? LIGHT_FEATURE_EFFECT : 0,
    brightness: options.brightness ?? 180,
    colorMode,
    kelvin: options.kelvin ?? 4166,
    hs: options.hs ?? [0, 0],
    rgb: [255, 255, 255],
    xy: [0.323, 0.329],
    rgbw: options.rgbw ?? [0, 0, 0, 255],
    rgbww: options.rgbww ?? [0, 0, 0, 255, 255],
    effect: options.effect ?? null,
  };
}
