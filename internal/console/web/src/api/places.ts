import { get, patch, post } from './http'

export interface Subdistrict { id: number; name: string; community_count: number; created_at: string }
export interface Community {
  id: number
  name: string
  address: string
  subdistrict_id?: number
  subdistrict_name?: string
  /** the 议事厅 support threshold in force: the community's own, or the configured default */
  support_threshold?: number
  support_threshold_is_default?: boolean
}

/** A community's changes; support_threshold null puts it back on the default. */
export interface CommunityPatch { name?: string; address?: string; subdistrict_id?: number; support_threshold?: number | null }

export const placesApi = {
  subdistricts: () => get<{ items: Subdistrict[] }>('/console/subdistricts'),
  createSubdistrict: (name: string) => post<Subdistrict>('/console/subdistricts', { name }),
  renameSubdistrict: (id: number, name: string) => patch<Subdistrict>(`/console/subdistricts/${id}`, { name }),
  /** communities in the user's scope; falls back to the public list before the console's route exists. */
  communities: async (subdistrictId?: number): Promise<Community[]> => {
    try {
      return (await get<{ items: Community[] }>('/console/communities', { subdistrict_id: subdistrictId })).items
    } catch (e) {
      if ((e as { status?: number }).status !== 404) throw e
      const r = await get<{ items: Community[] } | Community[]>('/communities')
      return Array.isArray(r) ? r : r.items
    }
  },
  createCommunity: (body: { name: string; address: string; subdistrict_id?: number }) => post<Community>('/admin/communities', body),
  updateCommunity: (id: number, body: CommunityPatch) =>
    patch<Community>(`/console/communities/${id}`, body),
}
