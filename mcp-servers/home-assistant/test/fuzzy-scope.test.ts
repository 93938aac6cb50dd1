// Fuzzy matching and entity scoping: the two pieces of pure logic every tool leans on.
import { describe, expect, it } from 'vitest';
import { closestMatches, matchScore, similarity } from '../src/clients/fuzzy.js';
import { EntityScope } from '../src/clients/scope.js';

describe('fuzzy matching', () => {
  const kitchen = ['light.kitchen_lights', 'Kitchen Lights', 'Kitchen'];
  it('scores phrase, word, prefix and typo matches in that order', () => {
    const phrase = matchScore('kitchen lights', kitchen);
    const words = matchScore('lights kitchen', kitchen);
    const prefix = matchScore('kitch', kitchen);
    const typo = matchScore('kitchn', kitchen);
    expect(phrase).toBe(1);
    expect(words).toBeGreaterThan(prefix);
    expect(prefix).toBeGreaterThan(typo);
    expect(typo).toBeGreaterThan(0);
  });

  it('requires every query word to match somewhere', () => {
    expect(matchScore('kitchen garage', kitchen)).toBe(0);
    expect(matchScore('', kitchen)).toBe(1);
  });

  it('names the closest entity ids for a wrong one', () => {
    const candidates = [
      'light.kitchen_lights',
      'light.bed_light',
      'light.ceiling_lights',
      'switch.decorative_lights',
    ].map((id) => ({ id, texts: [id] }));
    expect(closestMatches('light.kitchen_light', candidates)[0]).toBe('light.kitchen_lights');
    expect(closestMatches('light.bedroom_light', candidates)[0]).toBe('light.bed_light');
    expect(similarity('abc', 'abc')).toBe(1);
    expect(closestMatches('zzzz', candidates)).toEqual([]);
  });
});

describe('entity scope', () => {
  const kitchen = { id: 'kitchen', name: 'Kitchen' };
  const empty = {
    exposeDomains: [],
    hideDomains: [],
    exposeAreas: [],
    exposeEntities: [],
    hideEntities: [],
  };

  it('exposes everything by default', () => {
    expect(new EntityScope(empty).allows('lock.front_door')).toBe(true);
  });

  it('hides domains and patterns, even when other rules would expose them', () => {
    const scope = new EntityScope({
      ...empty,
      hideDomains: ['lock'],
      hideEntities: ['camera.*', 'light.secret_*'],
    });
    expect(scope.allows('lock.front_door')).toBe(false);
    expect(scope.allows('camera.porch')).toBe(false);
    expect(scope.allows('light.secret_lab')).toBe(false);
    expect(scope.allows('light.kitchen')).toBe(true);
  });

  it('limits to domains, areas and patterns when asked', () => {
    const domains = new EntityScope({ ...empty, exposeDomains: ['light', 'sensor'] });
    expect(domains.allows('light.kitchen')).toBe(true);
    expect(domains.allows('climate.hvac')).toBe(false);
    const areas = new EntityScope({ ...empty, exposeAreas: ['kitchen'] });
    expect(areas.allows('light.kitchen', kitchen)).toBe(true);
    expect(areas.allows('light.bedroom', { id: 'bedroom', name: 'Bedroom' })).toBe(false);
    expect(areas.allows('light.nowhere')).toBe(false);
    const patterns = new EntityScope({ ...empty, exposeEntities: ['sensor.outside_*'] });
    expect(patterns.allows('sensor.outside_temperature')).toBe(true);
    expect(patterns.allows('sensor.inside_temperature')).toBe(false);
    const both = new EntityScope({
      ...empty,
      exposeDomains: ['light'],
      exposeEntities: ['sensor.outside_*'],
    });
    expect(both.allows('sensor.outside_temperature')).toBe(true);
    expect(both.allows('light.any')).toBe(true);
    expect(both.allows('switch.any')).toBe(false);
  });
});
