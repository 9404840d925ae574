import { lessonShard } from '../helpers/lessons-run';

lessonShard(0, 2);
