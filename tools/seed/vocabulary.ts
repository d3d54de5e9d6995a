// The words demo data is made of: names, project themes with the tasks and tags that belong to them, and
// notes. Kept apart from the generator so the data can be made richer without touching its logic.
import type { FitnessType } from '../../shared/models/fitness';

export const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Amara',
  'Ben',
  'Chloe',
  'Dev',
  'Elena',
  'Femi',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kai',
  'Lena',
  'Mateo',
  'Nadia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sam',
  'Tariq',
  'Uma',
  'Viktor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoe',
] as const;

export const LAST_NAMES = [
  'Adeyemi',
  'Bauer',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Hoffmann',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lindqvist',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Quintero',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Usman',
  'Varga',
  'Walsh',
  'Xu',
  'Yilmaz',
  'Zimmermann',
] as const;

export const TIME_ZONES = [
  'Europe/Berlin',
  'Europe/London',
  'Europe/Madrid',
  'Europe/Stockholm',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Tokyo',
  'Asia/Singapore',
  'Asia/Kolkata',
  'Australia/Sydney',
  'Africa/Lagos',
  'UTC',
] as const;

/** A kind of project: its name, colour, description and the tasks and tags it tends to have. */
export interface ProjectTheme {
  name: string;
  color: string;
  description?: string;
  tasks: readonly string[];
  tags: readonly string[];
}

export const PROJECT_THEMES: readonly ProjectTheme[] = [
  {
    name: 'Garden',
    color: '#22aa44',
    description: 'Beds, paths and the vegetable patch.',
    tasks: [
      'Buy seeds',
      'Water the tomatoes',
      'Prune the roses',
      'Build a raised bed',
      'Order compost',
      'Fix the hose',
      'Plant bulbs for spring',
      'Mow the lawn',
    ],
    tags: ['garden', 'weekend', 'shopping'],
  },
  {
    name: 'Home renovation',
    color: '#cc7722',
    description: 'Kitchen first, then the hallway.',
    tasks: [
      'Get quotes for the kitchen',
      'Paint the hallway',
      'Replace the bathroom tap',
      'Call the electrician',
      'Choose floor tiles',
      'Sand the stairs',
      'Fix the squeaky door',
    ],
    tags: ['home', 'diy', 'calls'],
  },
  {
    name: 'Marathon training',
    color: '#dd3344',
    description: 'Spring marathon: 16-week plan.',
    tasks: [
      'Book the race',
      'Buy new running shoes',
      'Plan the long runs',
      'Join the running club',
      'Book a physio appointment',
      'Try energy gels on a long run',
    ],
    tags: ['running', 'health'],
  },
  {
    name: 'Taxes',
    color: '#555555',
    tasks: [
      'Collect receipts',
      'Download bank statements',
      'File the tax return',
      'Pay the council tax',
      'Email the accountant',
      'Check the pension statement',
    ],
    tags: ['finance', 'admin', 'deadline'],
  },
  {
    name: 'Learn Spanish',
    color: '#ffaa00',
    description: 'B1 by summer.',
    tasks: [
      'Finish lesson 12',
      'Book a tutor',
      'Watch a film in Spanish',
      'Review vocabulary',
      'Practise conversation',
      'Read a short story',
    ],
    tags: ['learning'],
  },
  {
    name: 'Blog',
    color: '#3366cc',
    description: 'A small personal blog about cooking.',
    tasks: [
      'Write the first post',
      'Set up the domain',
      'Pick a theme',
      'Draft the about page',
      'Photograph the lasagne',
      'Share the launch post',
    ],
    tags: ['writing', 'tech'],
  },
  {
    name: 'Summer trip',
    color: '#11aacc',
    description: 'Two weeks in Portugal with the family.',
    tasks: [
      'Book flights',
      'Renew passports',
      'Find a dog sitter',
      'Reserve the hotel',
      'Plan the itinerary',
      'Buy travel insurance',
      'Rent a car',
    ],
    tags: ['travel', 'family', 'shopping'],
  },
  {
    name: 'Work: quarterly planning',
    color: '#7744aa',
    tasks: [
      'Prepare the roadmap',
      'Review the budget',
      'Write the quarterly report',
      'Update the team wiki',
      'Schedule 1:1s',
      'Collect feedback from customers',
    ],
    tags: ['work', 'meetings'],
  },
  {
    name: 'Health',
    color: '#44bb99',
    tasks: [
      'Book the dentist',
      'Annual check-up',
      'Renew the prescription',
      'Order contact lenses',
      'Get the flu jab',
    ],
    tags: ['health', 'calls'],
  },
  {
    name: 'Reading list',
    color: '#996633',
    description: 'Twenty books this year.',
    tasks: [
      'Finish "Dune"',
      'Return the library books',
      'Join the book club',
      'Pick the next book',
      'Write a review of the last book',
    ],
    tags: ['reading'],
  },
];

/** Tasks that belong to no project. */
export const LOOSE_TASKS = [
  'Call mum',
  'Pay the electricity bill',
  'Renew the car insurance',
  'Buy a birthday present for Alex',
  'Cancel the gym trial',
  'Back up the laptop',
  'Take the bike in for a service',
  'Reply to the landlord',
  'Pick up the dry cleaning',
  'Update the phone',
  'Sort out the recycling',
  'Book a haircut',
] as const;

export const GENERAL_TAGS = ['errand', 'waiting', 'quick', 'weekend', 'evening'] as const;

export const TASK_NOTES = [
  'Ask for two quotes before deciding.',
  'Waiting to hear back.',
  'Needs about an hour.',
  'Check the receipt in the kitchen drawer.',
  'Do it together with the next errand in town.',
  'Reminder set on the phone as well.',
] as const;

/** How a kind of activity usually goes: minutes, pace, calories and heart rate. */
export interface ActivityProfile {
  minutes: readonly [number, number];
  /** Minutes per km; undefined when distance is not measured. */
  minutesPerKm?: readonly [number, number];
  caloriesPerMinute: number;
  heartRate: readonly [number, number];
}

export const ACTIVITIES: Record<FitnessType, ActivityProfile> = {
  run: { minutes: [25, 75], minutesPerKm: [4.8, 6.8], caloriesPerMinute: 10.5, heartRate: [138, 168] },
  walk: { minutes: [20, 90], minutesPerKm: [10.5, 13], caloriesPerMinute: 4.2, heartRate: [88, 115] },
  cycle: { minutes: [30, 150], minutesPerKm: [2.2, 3.2], caloriesPerMinute: 8, heartRate: [118, 152] },
  swim: { minutes: [20, 60], minutesPerKm: [18, 26], caloriesPerMinute: 9, heartRate: [118, 148] },
  strength: { minutes: [30, 75], caloriesPerMinute: 6, heartRate: [98, 132] },
  yoga: { minutes: [20, 60], caloriesPerMinute: 3.2, heartRate: [75, 100] },
  other: { minutes: [30, 100], caloriesPerMinute: 7, heartRate: [100, 145] },
};

export const FITNESS_NOTES: Partial<Record<FitnessType, readonly string[]>> = {
  run: [
    'Intervals 6x400 m',
    'Easy recovery run',
    'Hills',
    'Windy along the river',
    'With the club',
    'Felt strong',
  ],
  walk: ['Walked the dog', 'Lunch walk', 'Through the park'],
  cycle: ['Commute', 'Long ride with friends', 'Headwind on the way back'],
  swim: ['Technique drills', 'Open water', '50 m pool'],
  strength: ['Legs and core', 'Upper body', 'Full body circuit'],
  yoga: ['Morning flow', 'Stretching after the long run'],
  other: ['Climbing', 'Tennis', 'Football with colleagues', 'Dance class'],
};
