// Dark mode follows the system unless the developer picks one; the choice
// (not a secret) is kept in localStorage.
export type Theme = 'system' | 'light' | 'dark'
const KEY = 'aero2.theme'

export function storedTheme(): Theme {
  const t = localStorage.getItem(KEY)
  return t === 'light' || t === 'dark' ? t : 'system'
}

export function applyTheme(t: Theme) {
  if (t === 'system') {
    delete document.documentElement.dataset.theme
    localStorage.removeItem(KEY)
  } else {
    document.documentElement.dataset.theme = t
    localStorage.setItem(KEY, t)
  }
}
