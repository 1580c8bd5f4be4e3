import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { theme } from './state/theme-state.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('Missing #app element');

// Before mounting, so a dark-theme user never sees a light first frame.
theme.start();

export default mount(App, { target });
