import { h } from '../common/dom'

export function stateBadge(state: string, testid?: string): HTMLSpanElement {
  const el = h('span', { class: `badge ${state}`, text: state, testid })
  el.dataset.state = state
  return el
}
