// What the co-building and rooms pages share: the communities in scope with
// their names, and a loader that keeps the loading flag and the error text.
import { ref } from 'vue'
import { placesApi, type Community } from '../api/places'
import { errorText } from './feedback'

export function useCommunities() {
  const communities = ref<Community[]>([])
  const ready = placesApi.communities().catch(() => [] as Community[]).then((cs) => (communities.value = cs))
  const communityName = (id: number) => communities.value.find((c) => c.id === id)?.name ?? (id ? `社区 ${id}` : '—')
  return { communities, communityName, ready }
}

/** useLoader runs fn with a loading flag; a failure becomes the page's error text. */
export function useLoader(fn: () => Promise<unknown>) {
  const loading = ref(false)
  const error = ref('')
  async function run() {
    loading.value = true
    error.value = ''
    try {
      await fn()
    } catch (e) {
      error.value = errorText(e)
    } finally {
      loading.value = false
    }
  }
  return { loading, error, run }
}
