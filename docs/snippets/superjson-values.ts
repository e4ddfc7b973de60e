import { createClient } from 'tablecast/client';
import { superjsonValues } from 'tablecast/superjson';

const client = createClient({ url: 'wss://bridge.example.com', wireValues: superjsonValues });
const deploys = client.table<{ at: Date }>('deploys'); // Dates stay Dates
