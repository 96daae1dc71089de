import { IsIn, IsObject, IsString, Length } from 'class-validator';
import { OptionalNotNull } from '../../common/decorators/optional-not-null.decorator.js';
import { CHANNEL_TYPES, type ChannelConfig, type ChannelType } from '../channel.js';

export class CreateChannelDto {
  @IsIn(CHANNEL_TYPES, { message: `type must be one of: ${CHANNEL_TYPES.join(', ')}` })
  type!: ChannelType;

  @IsString()
  @Length(1, 100)
  name!: string;

  /** Checked per type by the service (configProblems); webhook secrets are generated, not given. */
  @IsObject()
  config!: ChannelConfig;
}

export class UpdateChannelDto {
  @OptionalNotNull()
  @IsString()
  @Length(1, 100)
  name?: string;

  @OptionalNotNull()
  @IsObject()
  config?: ChannelConfig;
}
