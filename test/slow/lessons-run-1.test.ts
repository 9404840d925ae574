import { lessonShard } from '../helpers/lessons-run';

lessonShard(1, 2);
