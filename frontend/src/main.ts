// The portal's entry: global page styles, then the shell, which loads each page on demand.
import './styles/global.css';
import './components/hub-app';
