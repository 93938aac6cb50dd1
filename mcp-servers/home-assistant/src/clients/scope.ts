// Entity scoping: which entities this server exposes at all. Applied once, in the client layer,
// so no tool can read or act on an entity the owner has hidden (HA_EXPOSE_* / HA_HIDE_*).
import type { HomeAssistantConfig } from '../config.js';

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

export interface ScopeRules {
  exposeDomains: string[];
  hideDomains: string[];
  exposeAreas: string[];
  exposeEntities: string[];
  hideEntities: string[];
}

export class EntityScope {
  private readonly exposeDomains: Set<string>;
  private readonly hideDomains: Set<string>;
  private readonly exposeAreas: Set<string>;
  private readonly exposeEntities: RegExp[];
  private readonly hideEntities: RegExp[];

  constructor(rules: ScopeRules) {
    this.exposeDomains = new Set(rules.exposeDomains.map((d) => d.toLowerCase()));
    this.hideDomains = new Set(rules.hideDomains.map((d) => d.toLowerCase()));
    this.exposeAreas = new Set(rules.exposeAreas.map((a) => a.toLowerCase()));
    this.exposeEntities = rules.exposeEntities.map(wildcard);
    this.hideEntities = rules.hideEntities.map(wildcard);
  }

  static fromConfig(config: HomeAssistantConfig): EntityScope {
    return new EntityScope({
      exposeDomains: config.HA_EXPOSE_DOMAINS,
      hideDomains: config.HA_HIDE_DOMAINS,
      exposeAreas: config.HA_EXPOSE_AREAS,
      exposeEntities: config.HA_EXPOSE_ENTITIES,
      hideEntities: config.HA_HIDE_ENTITIES,
    });
  }

  /** Whether an entity may be seen and used; `area` is its area id and name, when known. */
  allows(entityId: string, area?: { id: string; name: string }): boolean {
    const domain = entityId.split('.')[0]?.toLowerCase() ?? '';
    if (this.hideDomains.has(domain)) return false;
    if (this.hideEntities.some((p) => p.test(entityId))) return false;
    if (this.exposeEntities.some((p) => p.test(entityId))) return true;
    if (this.exposeDomains.size > 0 && !this.exposeDomains.has(domain)) return false;
    if (this.exposeAreas.size > 0) {
      if (!area) return false;
      return (
        this.exposeAreas.has(area.id.toLowerCase()) || this.exposeAreas.has(area.name.toLowerCase())
      );
    }
    return this.exposeEntities.length === 0 || this.exposeDomains.size > 0;
  }
}
